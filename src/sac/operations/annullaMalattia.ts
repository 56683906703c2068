/**
 * AnnullaMalattia (disciplinare 3.4): the issuing doctor cancels a
 * certificate until the end of the day after its release (Europe/Rome).
 * Applies to sickness and discharge certificates alike.
 */
import { addDays, romeDate, romeDateTime } from '../../domain/dates.js';
import { certificateDays } from '../../store/port.js';
import { diagnostic } from '../../catalog/diagnostics.js';
import { resolveDoctor } from '../identity.js';
import { mustBeActive, withNewProtocolNumber } from '../lifecycle.js';
import { text, toRedattore, workerCfOf } from '../requestShape.js';
import { lookupWorker } from '../rules/worker.js';
import type { Handler } from '../services.js';

export const annullaMalattia: Handler = async (payload, caller, services) => {
  const doctor = await resolveDoctor(toRedattore(payload.medico), caller, services, 'AnnullaMalattia');
  if ('errors' in doctor) return doctor;
  const worker = await lookupWorker(workerCfOf(payload), services);
  if ('errors' in worker) return worker;

  const record = await services.store.getCertificate(text(payload.idCertificato).trim());
  if (!record || record.medicoCf !== doctor.medicoCf || record.lavoratoreCf !== worker.person.codiceFiscale) {
    if (record) services.journal.denied('certificato', record.idCertificato);
    return { errors: [diagnostic('CERTIFICATO_NON_TROVATO')] };
  }
  const stateErrors = mustBeActive(record);
  if (stateErrors.length > 0) return { errors: stateErrors };

  const now = services.clock.now();
  const limite = addDays(certificateDays(record.document).rilascio, 1);
  if (romeDate(now) > limite) return { errors: [diagnostic('ANNULLAMENTO_SCADUTO', { limite })] };

  const dataRicezione = romeDateTime(now);
  return withNewProtocolNumber(services.newId, async (idAnnullamento) => {
    // Conditional on the state inside the write: of two racing cancellations one wins.
    if ((await services.store.cancelCertificate(record.idCertificato, idAnnullamento, dataRicezione, services.journal.stamp(dataRicezione))) !== 'ok') {
      const current = await services.store.getCertificate(record.idCertificato);
      return { errors: current ? mustBeActive(current) : [diagnostic('CERTIFICATO_NON_TROVATO')] };
    }
    return { ok: { dataRicezione, idAnnullamento } };
  });
};
