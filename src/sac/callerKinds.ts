/**
 * Which kinds of user may call CertificatiMedici at all: doctors, region
 * systems and hospital operators. Employers (datore) and workers
 * (lavoratore) read the INPS side (issue 12) and are refused every one of the
 * ten operations here, before its handler reads anything, with the answer an
 * operatore gets for a doctor's operation: ricevutaNonOk 2009
 * (UTENTE_NON_ABILITATO) on the operation's sender section. The identity
 * rules (identity.ts) refuse them too: this gate does not depend on each
 * handler calling them first.
 */
import { diagnostic } from '../catalog/diagnostics.js';
import type { OperationName } from '../contract/operations.js';
import type { UserKind } from '../store/port.js';
import type { Handler, HandlerTable } from './services.js';

export const SAC_CALLER_KINDS: ReadonlySet<UserKind> = new Set<UserKind>(['medico', 'regione', 'operatore']);

/** The element that names who sends: the hospital structure for the admission services, the doctor for the others. */
function senderSection(operation: OperationName): string {
  return operation === 'InviaRicovero' || operation === 'AnnullaRicovero' ? 'operatore' : 'medico';
}

/** The handlers, each refusing a caller whose kind is not a CertificatiMedici caller (one Set look-up per call). */
export function onlySacCallers(handlers: HandlerTable): HandlerTable {
  const gated: HandlerTable = {};
  for (const [operation, handler] of Object.entries(handlers) as [OperationName, Handler][]) {
    const sezione = senderSection(operation);
    gated[operation] = (request, caller, services, headers) =>
      SAC_CALLER_KINDS.has(caller.kind)
        ? handler(request, caller, services, headers)
        : { errors: [diagnostic('UTENTE_NON_ABILITATO', { sezione, tipo: caller.kind, servizio: operation })] };
  }
  return gated;
}
