/**
 * The contract's identity rules for the redattore element. The HTTP Basic
 * user has already been authenticated; this decides on whose behalf the
 * request acts and whether that kind of user may call the operation.
 *   medico:  pincode (encrypted) required, codiceFiscale forbidden; acts as itself.
 *   regione: codiceFiscale of the doctor required, pincode forbidden.
 *   operatore: hospital staff, only for the ricovero services.
 *   datore, lavoratore: none (they read the INPS side).
 * Every check fails closed: a region, ASL or structure missing from a user's
 * registration denies, it never skips the comparison it was needed for.
 */
import { checkCodiceFiscale } from '../domain/codiceFiscale.js';
import { decryptField, looksEncrypted } from '../auth/pincodeCipher.js';
import type { UserRecord } from '../store/port.js';
import { diagnostic, type Diagnostic } from '../catalog/diagnostics.js';
import type { Services } from './services.js';
import type { Redattore } from '../domain/certificate.js';

/** The doctor a request acts for: its codice fiscale, and its registration (region, ASL, structure). */
export type ActingDoctor = { readonly medicoCf: string; readonly doctor: UserRecord } | { readonly errors: Diagnostic[] };

const present = (value: string | undefined): value is string => value !== undefined && value !== '';

/** A registered code: null or empty means "not registered", which matches nothing. */
const registered = (value: string | null): value is string => value !== null && value !== '';

/** The hospital a user is registered with, or undefined when any of region, ASL or structure is missing. */
export function registeredHospital(user: UserRecord): HospitalCodes | undefined {
  const { codiceRegione, codiceAsl, codiceStruttura } = user;
  return registered(codiceRegione) && registered(codiceAsl) && registered(codiceStruttura)
    ? { codiceRegione, codiceAsl, codiceStruttura }
    : undefined;
}

export interface HospitalCodes {
  readonly codiceRegione: string;
  readonly codiceAsl: string;
  readonly codiceStruttura: string;
}

export async function resolveDoctor(
  redattore: Redattore,
  caller: UserRecord,
  services: Services,
  servizio: string,
  section = 'medico',
): Promise<ActingDoctor> {
  const at = (field: string) => `${section}/${field}`;
  switch (caller.kind) {
    case 'medico': {
      const errors: Diagnostic[] = [];
      if (present(redattore.codiceFiscale)) errors.push(diagnostic('CF_MEDICO_NON_AMMESSO', {}, at('codiceFiscale')));
      if (!present(redattore.pincode)) errors.push(diagnostic('PINCODE_MANCANTE', {}, at('pincode')));
      if (errors.length > 0) return { errors };
      if (!(await checkPincode(redattore.pincode!, caller, services))) {
        const key = services.pincodeKey;
        return looksEncrypted(key, redattore.pincode!)
          ? { errors: [diagnostic('PINCODE_ERRATO', {}, at('pincode'))] }
          : { errors: [diagnostic('PINCODE_NON_CIFRATO', { byte: key.bits / 8 }, at('pincode'))] };
      }
      return { medicoCf: caller.username, doctor: caller };
    }
    case 'regione': {
      const errors: Diagnostic[] = [];
      if (present(redattore.pincode)) errors.push(diagnostic('PINCODE_NON_AMMESSO', { sezione: section, tipo: caller.kind }));
      if (!present(redattore.codiceFiscale)) errors.push(diagnostic('CF_MEDICO_MANCANTE', {}, at('codiceFiscale')));
      if (errors.length > 0) return { errors };
      // Before any look-up: a region user with no region acts for nobody (and learns nothing).
      if (!registered(caller.codiceRegione)) return { errors: [diagnostic('REGIONE_NON_REGISTRATA', { sezione: section })] };
      const cf = redattore.codiceFiscale!;
      const doctor = checkCodiceFiscale(cf).ok ? await services.store.findUser(cf) : undefined;
      if (!doctor || doctor.kind !== 'medico') return { errors: [diagnostic('MEDICO_NON_ABILITATO', {}, at('codiceFiscale'))] };
      // A doctor with no region belongs to no region user.
      if (doctor.codiceRegione !== caller.codiceRegione) {
        return { errors: [diagnostic('MEDICO_ALTRA_REGIONE', { regione: caller.codiceRegione }, at('codiceFiscale'))] };
      }
      return { medicoCf: doctor.username, doctor };
    }
    case 'operatore':
    // Employers and workers read the INPS side only (src/sac/callerKinds.ts refuses them before any handler).
    case 'datore':
    case 'lavoratore':
      return { errors: [diagnostic('UTENTE_NON_ABILITATO', { sezione: section, tipo: caller.kind, servizio })] };
  }
}

/**
 * An operatore reading a worker's data (disciplinare 3.7: the health authority
 * acquires the worker's information from the codice fiscale). It acts for
 * itself and its registered hospital only: no pincode, no other codice
 * fiscale, codes (if sent) its own, and without a registered hospital it
 * reads nothing. The redattore is the request's `medico` element.
 */
export function resolveOperatorReader(
  redattore: Redattore,
  caller: UserRecord,
  section = 'medico',
): { readonly operatoreCf: string } | { readonly errors: Diagnostic[] } {
  const at = (field: string) => `${section}/${field}`;
  const errors: Diagnostic[] = [];
  if (present(redattore.pincode)) errors.push(diagnostic('PINCODE_NON_AMMESSO', { sezione: section, tipo: caller.kind }));
  if (present(redattore.codiceFiscale) && redattore.codiceFiscale !== caller.username) {
    errors.push(diagnostic('CF_OPERATORE_NON_AMMESSO', {}, at('codiceFiscale')));
  }
  if (errors.length > 0) return { errors };
  const hospital = registeredHospital(caller);
  if (!hospital) return { errors: [diagnostic('OPERATORE_SENZA_STRUTTURA', {}, section)] };
  const mismatch = (['codiceRegione', 'codiceAsl', 'codiceStruttura'] as const).find((field) => {
    const value = redattore[field];
    return value !== undefined && value !== hospital[field];
  });
  if (mismatch) return { errors: [diagnostic('STRUTTURA_NON_CORRISPONDE', { campo: mismatch, atteso: hospital[mismatch] }, at(mismatch))] };
  return { operatoreCf: caller.username };
}

export interface ActingStructure {
  readonly operatoreCf: string;
  readonly codiceRegione: string;
  readonly codiceAsl: string;
  /** As sent: an admission records the structure only when the request names it. */
  readonly codiceStruttura: string | null;
  /** The operator's own structure (always registered), which stands for it when the request is silent. */
  readonly registeredStruttura: string;
}

/**
 * The hospital structure an admission is sent or cancelled for (disciplinare
 * 3.7): an operatore acts for itself, a regione names the operator. Codes
 * that are sent must be the operator's own. InviaRicovero requires
 * codiceRegione and codiceAsl (`codesRequired`); AnnullaRicovero, whose
 * contract asks only for the admission's identifier and worker, takes the
 * operator's registered codes when the request is silent (the check against
 * the admission is then made with the registered hospital, never with none).
 */
export async function resolveStructure(
  operatore: Redattore | undefined,
  caller: UserRecord,
  services: Services,
  servizio: string,
  codesRequired: boolean,
): Promise<{ readonly structure: ActingStructure } | { readonly errors: Diagnostic[] }> {
  const section = 'operatore';
  const at = (field: string) => `${section}/${field}`;
  let operator: UserRecord | undefined;
  const errors: Diagnostic[] = [];
  if (present(operatore?.pincode) && caller.kind !== 'medico') {
    errors.push(diagnostic('PINCODE_NON_AMMESSO', { sezione: section, tipo: caller.kind }));
  }
  switch (caller.kind) {
    case 'operatore':
      if (present(operatore?.codiceFiscale) && operatore!.codiceFiscale !== caller.username) {
        errors.push(diagnostic('CF_OPERATORE_NON_AMMESSO', {}, at('codiceFiscale')));
      }
      operator = caller;
      break;
    case 'regione': {
      if (!registered(caller.codiceRegione)) {
        errors.push(diagnostic('REGIONE_NON_REGISTRATA', { sezione: section }));
        break;
      }
      if (!present(operatore?.codiceFiscale)) {
        errors.push(diagnostic('CF_OPERATORE_MANCANTE', {}, at('codiceFiscale')));
        break;
      }
      const found = await services.store.findUser(operatore!.codiceFiscale!);
      if (!found || found.kind !== 'operatore') errors.push(diagnostic('OPERATORE_NON_ABILITATO', {}, at('codiceFiscale')));
      else operator = found;
      break;
    }
    case 'medico':
    case 'datore':
    case 'lavoratore':
      return { errors: [diagnostic('UTENTE_NON_ABILITATO', { sezione: section, tipo: caller.kind, servizio })] };
  }
  if (errors.length > 0 || !operator) return { errors };
  // An operator works for one hospital: without all three codes registered it works for none.
  const hospital = registeredHospital(operator);
  if (!hospital) return { errors: [diagnostic('OPERATORE_SENZA_STRUTTURA')] };
  if (codesRequired && (!present(operatore?.codiceRegione) || !present(operatore?.codiceAsl))) {
    return { errors: [diagnostic('STRUTTURA_MANCANTE')] };
  }
  const sent = { codiceRegione: operatore?.codiceRegione, codiceAsl: operatore?.codiceAsl, codiceStruttura: operatore?.codiceStruttura };
  const mismatch = (['codiceRegione', 'codiceAsl', 'codiceStruttura'] as const).find((field) => {
    const value = sent[field];
    return value !== undefined && value !== hospital[field];
  });
  if (mismatch) return { errors: [diagnostic('STRUTTURA_NON_CORRISPONDE', { campo: mismatch, atteso: hospital[mismatch] })] };
  // Silent codes stand for the operator's registered ones (only where not required, see above).
  const given = {
    codiceRegione: present(sent.codiceRegione) ? sent.codiceRegione! : hospital.codiceRegione,
    codiceAsl: present(sent.codiceAsl) ? sent.codiceAsl! : hospital.codiceAsl,
    codiceStruttura: sent.codiceStruttura,
  };
  // caller.codiceRegione is registered here (checked above for a regione user).
  if (caller.kind === 'regione' && given.codiceRegione !== caller.codiceRegione) {
    return { errors: [diagnostic('STRUTTURA_NON_CORRISPONDE', { campo: 'codiceRegione', atteso: caller.codiceRegione! })] };
  }
  return {
    structure: {
      operatoreCf: operator.username,
      codiceRegione: given.codiceRegione,
      codiceAsl: given.codiceAsl,
      codiceStruttura: present(given.codiceStruttura) ? given.codiceStruttura! : null,
      registeredStruttura: hospital.codiceStruttura,
    },
  };
}

/**
 * Decrypt and compare. A bad padding decrypts (implicit rejection) to a
 * value that simply does not match, so the answer never says which it was.
 */
async function checkPincode(ciphertext: string, caller: UserRecord, services: Services): Promise<boolean> {
  const stored = caller.pincodeHash;
  if (stored === null) return false;
  // A ciphertext that verified for this pincode looked encrypted then: known ones skip the base64 check.
  if (services.secrets.knownCiphertext(caller.username, ciphertext, stored)) return true;
  if (!looksEncrypted(services.pincodeKey, ciphertext)) return false;
  const plain = decryptField(services.pincodeKey, ciphertext).toString('utf8');
  const valid = await services.secrets.check(caller.username, 'pincode', plain, stored, undefined, services.journal.clientAddress);
  if (valid) services.secrets.rememberCiphertext(caller.username, ciphertext, stored);
  return valid;
}
