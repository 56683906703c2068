/**
 * Which kinds of user may call CertificatiMedici at all: doctors, region
 * systems and hospital operators. Employers (datore) and workers
 * (lavoratore) read the INPS side (issue 12) and are refused every one of the
 * ten operations by the service descriptor (service.ts: allowedKinds), before
 * the schema or a handler reads anything, with the answer an operatore gets
 * for a doctor's operation: ricevutaNonOk 2009 (UTENTE_NON_ABILITATO) on the
 * operation's sender section. The identity rules (identity.ts) refuse them
 * too: the gate does not depend on each handler calling them first.
 */
import type { OperationName } from '../contract/operations.js';
import type { UserKind } from '../store/port.js';

export const SAC_CALLER_KINDS: ReadonlySet<UserKind> = new Set<UserKind>(['medico', 'regione', 'operatore']);

/** The element that names who sends: the hospital structure for the admission services, the doctor for the others. */
export function senderSection(operation: OperationName): string {
  return operation === 'InviaRicovero' || operation === 'AnnullaRicovero' ? 'operatore' : 'medico';
}
