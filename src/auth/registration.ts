/**
 * What each kind of user must be registered with, as authorization reads it
 * (src/sac/identity.ts): a doctor's region (and, for a hospital doctor, ASL
 * and structure), an operator's region, ASL and structure, a region user's
 * region; an employer (datore) and a worker (lavoratore) none of them. The administration CLI checks these before a user is written, so
 * an account never exists that authorization would silently deny.
 */
import { checkCodiceFiscale } from '../domain/codiceFiscale.js';
import { checkCodiceFiscaleAzienda } from '../domain/codiceFiscaleAzienda.js';
import type { UserKind } from '../store/port.js';

export const USER_KINDS: readonly UserKind[] = ['medico', 'regione', 'operatore', 'datore', 'lavoratore'];

export interface Registration {
  readonly codiceRegione: string | null;
  readonly codiceAsl: string | null;
  readonly codiceStruttura: string | null;
}

/** The contract's string3 (codiceRegione, codiceAsl). */
const CODE3_RE = /^[0-9]{3}$/;
/**
 * codiceStruttura: the XSD allows any string of up to 6 characters; the
 * Ministry's structure codes are digits and capital letters, and a stored
 * value is compared byte for byte with what clients send, so nothing else is
 * accepted (a stray space would deny every request).
 */
const STRUTTURA_RE = /^[0-9A-Z]{1,6}$/;
/** Region accounts are system accounts, not persons: a plain name. */
const ACCOUNT_NAME_RE = /^[A-Za-z0-9._@-]{3,64}$/;
/** Sistema TS pincodes are ten digits. */
const PINCODE_RE = /^[0-9]{10}$/;

export function isUserKind(value: string): value is UserKind {
  return (USER_KINDS as readonly string[]).includes(value);
}

/**
 * Doctors and operators log in with their own codice fiscale (16 characters,
 * check character right); an employer with its company codice fiscale (11
 * digits, check digit right); a worker with their codice fiscale, personal
 * or provisional (11 digits), as the contract's codiceFiscaleEsteso.
 */
export function usernameProblem(kind: UserKind, username: string): string | undefined {
  if (kind === 'regione') {
    return ACCOUNT_NAME_RE.test(username) ? undefined : 'a regione username is 3 to 64 letters, digits or . _ @ -';
  }
  if (kind === 'datore') {
    const company = checkCodiceFiscaleAzienda(username);
    if (company.ok) return undefined;
    return `a datore username is the company's codice fiscale, 11 digits: ${company.reason === 'formato' ? 'not 11 digits' : 'wrong check digit'}`;
  }
  const check = checkCodiceFiscale(username);
  if (check.ok && (check.kind === 'personale' || kind === 'lavoratore')) return undefined;
  const why = check.ok ? 'an 11-digit provisional code is not a person\'s code' : { formato: 'not 16 letters and digits in the codice fiscale layout', carattere_controllo: 'wrong check character', data_nascita: 'impossible birth date' }[check.reason];
  return `a ${kind} username is the person's codice fiscale (uppercase): ${why}`;
}

/** Why a registration does not fit the kind (or a code its format), or undefined when it does. */
export function registrationProblem(kind: UserKind, r: Registration): string | undefined {
  if (r.codiceRegione !== null && !CODE3_RE.test(r.codiceRegione)) return 'the region code is 3 digits (e.g. 120)';
  if (r.codiceAsl !== null && !CODE3_RE.test(r.codiceAsl)) return 'the ASL code is 3 digits (e.g. 201)';
  if (r.codiceStruttura !== null && !STRUTTURA_RE.test(r.codiceStruttura)) return 'the structure code is 1 to 6 digits or capital letters (e.g. 120901)';
  if (kind === 'datore' || kind === 'lavoratore') {
    // Nothing of a health structure: an employer or a worker reads its own documents, wherever it is.
    return r.codiceRegione !== null || r.codiceAsl !== null || r.codiceStruttura !== null
      ? `a ${kind} user has no region, ASL or structure`
      : undefined;
  }
  if (r.codiceRegione === null) return `a ${kind} user needs --region`;
  switch (kind) {
    case 'regione':
      return r.codiceAsl !== null || r.codiceStruttura !== null ? 'a regione user has no ASL or structure' : undefined;
    case 'operatore':
      return r.codiceAsl === null || r.codiceStruttura === null ? 'an operatore needs --asl and --structure (the hospital it works for)' : undefined;
    case 'medico':
      // Authorization needs all three for a hospital doctor; half a hospital would deny silently.
      return (r.codiceAsl === null) !== (r.codiceStruttura === null)
        ? 'a hospital doctor needs both --asl and --structure (a family doctor neither)'
        : undefined;
  }
}

export function pincodeProblem(pincode: string): string | undefined {
  return PINCODE_RE.test(pincode) ? undefined : 'the pincode is 10 digits';
}
