/**
 * AnnullaRicovero: the structure that communicated an admission cancels it,
 * unless a discharge certificate already refers to it.
 */
import { romeDateTime } from '../../domain/dates.js';
import { diagnostic } from '../../catalog/diagnostics.js';
import { resolveStructure } from '../identity.js';
import { admissionAt, withNewProtocolNumber } from '../lifecycle.js';
import { text, toRedattore, workerCfOf } from '../requestShape.js';
import { lookupWorker } from '../rules/worker.js';
import type { Handler } from '../services.js';

export const annullaRicovero: Handler = async (payload, caller, services) => {
  const acting = await resolveStructure(
    payload.operatore === undefined ? undefined : toRedattore(payload.operatore),
    caller,
    services,
    'AnnullaRicovero',
    false,
  );
  if ('errors' in acting) return acting;
  const worker = await lookupWorker(workerCfOf(payload), services);
  if ('errors' in worker) return worker;

  const id = text(payload.idCertificato).trim();
  const admission = await services.store.getRicovero(id);
  // One answer for "none", "another worker's" and "another structure's"; its state only after that.
  const { codiceRegione, codiceAsl, registeredStruttura: codiceStruttura } = acting.structure;
  if (
    !admission ||
    admission.lavoratoreCf !== worker.person.codiceFiscale ||
    !(await admissionAt(admission, { codiceRegione, codiceAsl, codiceStruttura }, services.store))
  ) {
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
