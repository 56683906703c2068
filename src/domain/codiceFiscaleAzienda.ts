/**
 * The codice fiscale of a company (soggetto diverso da persona fisica): 11
 * digits, the last a check digit computed as for the partita IVA (odd
 * positions summed, even positions doubled with 9 taken off above 9; the
 * check digit brings the total to a multiple of 10). The same algorithm as a
 * provisional personal code's (codiceFiscale.ts); all zeros is refused, it
 * names nobody.
 */
import { checkCodiceFiscale } from './codiceFiscale.js';

export type CompanyCfCheck = { readonly ok: true } | { readonly ok: false; readonly reason: 'formato' | 'carattere_controllo' };

const COMPANY_CF_RE = /^[0-9]{11}$/;

export function checkCodiceFiscaleAzienda(cf: string): CompanyCfCheck {
  if (!COMPANY_CF_RE.test(cf) || cf === '00000000000') return { ok: false, reason: 'formato' };
  const check = checkCodiceFiscale(cf);
  return check.ok ? { ok: true } : { ok: false, reason: 'carattere_controllo' };
}
