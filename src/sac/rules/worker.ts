/**
 * The worker's codice fiscale: plain or encrypted with the service key (the
 * field is string200 for that reason), formally valid, and in the registry.
 */
import { checkCodiceFiscale } from '../../domain/codiceFiscale.js';
import { decryptField, looksEncrypted } from '../../auth/pincodeCipher.js';
import type { Person } from '../../store/port.js';
import { diagnostic, type Diagnostic } from '../../catalog/diagnostics.js';
import type { Services } from '../services.js';

/** The person; or the errors, with the codice fiscale when it could be read (decrypted) but is not in the registry. */
export type WorkerLookup = { readonly person: Person } | { readonly errors: Diagnostic[]; readonly cf?: string };

/** The worker's codice fiscale as the request means it: decrypted when it could be, else as sent. */
export function requestedWorkerCf(lookup: WorkerLookup, sent: string): string {
  return 'person' in lookup ? lookup.person.codiceFiscale : (lookup.cf ?? sent);
}

export function resolveWorkerCf(value: string, services: Services): { cf: string } | { errors: Diagnostic[] } {
  if (looksEncrypted(services.pincodeKey, value)) {
    const plain = decryptField(services.pincodeKey, value).toString('latin1').trim();
    // Bad padding and a good padding around garbage give the same answer: no oracle.
    if (!checkCodiceFiscale(plain).ok) return { errors: [diagnostic('CF_LAVORATORE_NON_DECIFRABILE')] };
    return { cf: plain };
  }
  const check = checkCodiceFiscale(value);
  if (!check.ok) {
    return { errors: [diagnostic(check.reason === 'carattere_controllo' ? 'CF_LAVORATORE_CONTROLLO' : 'CF_LAVORATORE_FORMATO')] };
  }
  return { cf: value };
}

export async function lookupWorker(value: string, services: Services): Promise<WorkerLookup> {
  const resolved = resolveWorkerCf(value, services);
  if ('errors' in resolved) return resolved;
  const person = await services.registry.findPerson(resolved.cf);
  if (!person) return { errors: [diagnostic('CF_LAVORATORE_NON_TROVATO')], cf: resolved.cf };
  return { person };
}
