/**
 * AnnullaRicovero: the structure that communicated an admission cancels it,
 * unless a discharge certificate already refers to it.
 */
import { romeDateTime } from '../../domain/dates.js';
import type { RicoveroRecord } from '../../store/port.js';
import { diagnostic } from '../diagnostics.js';
import { resolveStructure, type ActingStructure } from '../identity.js';
import { withNewProtocolNumber } from '../lifecycle.js';
import { text, toRedattore, workerCfOf } from '../requestShape.js';
import { lookupWorker } from '../rules/worker.js';
import type { Handler } from '../services.js';

/** Same region and ASL, and the same structure when the admission named one. */
export function sameStructure(admission: RicoveroRecord, acting: ActingStructure): boolean {
  return (
    admission.codiceRegione === acting.codiceRegione &&
    admission.codiceAsl === acting.codiceAsl &&
    (admission.codiceStruttura === null || admission.codiceStruttura === (acting.codiceStruttura ?? acting.registeredStruttura))
  );
}

export const annullaRicovero: Handler = async (payload, caller, services) => {
  const acting = resolveStructure(
    payload.operatore === undefined ? undefined : toRedattore(payload.operatore),
    caller,
    services,
    'AnnullaRicovero',
  );
  if ('errors' in acting) return acting;
  const worker = lookupWorker(workerCfOf(payload), services);
  if ('errors' in worker) return worker;

  const id = text(payload.idCertificato).trim();
  const admission = services.store.getRicovero(id);
  if (!admission || admission.lavoratoreCf !== worker.person.codiceFiscale || !sameStructure(admission, acting.structure)) {
    if (admission) services.journal.denied('ricovero', admission.idInizioRicovero);
    return { errors: [diagnostic('RICOVERO_NON_TROVATO', { sezione: 'idCertificato' })] };
  }
  const dataRicezione = romeDateTime(services.clock.now());
  return withNewProtocolNumber(services.newId, async (idAnnullamento) => {
    switch (await services.store.cancelRicovero(id, idAnnullamento, dataRicezione, services.journal.stamp(dataRicezione))) {
      case 'ok':
        return { ok: { dataRicezione, idAnnullamento } };
      case 'has_discharge':
        return { errors: [diagnostic('RICOVERO_CON_DIMISSIONE')] };
      case 'not_active':
        return { errors: [diagnostic('RICOVERO_ANNULLATO', { sezione: 'idCertificato' })] };
    }
  });
};
