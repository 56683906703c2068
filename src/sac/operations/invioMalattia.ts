/**
 * InviaMalattia (disciplinare 3.2): a doctor, or a region on the doctor's
 * behalf, sends a sickness certificate; the answer carries the PUC.
 * All rule violations are reported together (up to the contract's ten),
 * except identity, which is answered alone. An identical resubmission within
 * the idempotency window is answered the first receipt (src/sac/idempotency.ts).
 */
import { romeDate, romeDateTime } from '../../domain/dates.js';
import { MAX_ERRORS, type Diagnostic } from '../../catalog/diagnostics.js';
import { resolveDoctor } from '../identity.js';
import { conflictOutcome, requestClaim, unlessResubmitted } from '../idempotency.js';
import { withNewProtocolNumber } from '../lifecycle.js';
import { toInvioMalattia } from '../requestShape.js';
import { checkAddress } from '../rules/addresses.js';
import { checkMalattiaDates } from '../rules/dates.js';
import { checkDiagnosi } from '../rules/diagnosi.js';
import { lookupWorker, requestedWorkerCf } from '../rules/worker.js';
import type { Handler } from '../services.js';

export const invioMalattia: Handler = async (payload, caller, services, headers) => {
  const request = toInvioMalattia(payload);
  const doctor = await resolveDoctor(request.medico, caller, services, 'InviaMalattia');
  if ('errors' in doctor) return doctor;

  const now = services.clock.now();
  const errors: Diagnostic[] = [];
  const worker = await lookupWorker(request.lavoratore.codiceFiscale, services);
  if ('errors' in worker) errors.push(...worker.errors);
  const today = romeDate(now);
  const rilascio = request.malattia.dataRilascio;
  // Only a day before today can be a paper certificate re-entered after a maintenance window.
  const paper = rilascio < today ? services.maintenance.paperEntry(rilascio, now) : undefined;
  errors.push(...checkMalattiaDates(request.malattia, today, 'malattia', paper));
  errors.push(...checkDiagnosi(request.malattia.diagnosi, 'malattia'));
  errors.push(...checkAddress(request.residenza, 'residenza'));
  if (request.reperibilita?.indirizzo) errors.push(...checkAddress(request.reperibilita.indirizzo, 'reperibilita/indirizzo'));
  const claim = requestClaim('InviaMalattia', caller.username, payload, requestedWorkerCf(worker, request.lavoratore.codiceFiscale), headers, services, now);
  if (errors.length > 0 || 'errors' in worker) return unlessResubmitted('InviaMalattia', claim, { errors: errors.slice(0, MAX_ERRORS) }, services);

  const dataRicezione = romeDateTime(now);
  const document = {
    residenza: request.residenza,
    ...(request.reperibilita ? { reperibilita: request.reperibilita } : {}),
    malattia: request.malattia,
  };
  return withNewProtocolNumber(services.newId, async (idCertificato) => {
    const conflict = await services.store.insertCertificate({
      idCertificato,
      kind: 'malattia',
      medicoCf: doctor.medicoCf,
      lavoratoreCf: worker.person.codiceFiscale,
      dataRicezione,
      sentBy: caller.username,
      state: 'attivo',
      document,
      // Issued on paper during a maintenance window and entered afterwards.
      paperWindow: paper?.open ? paper.interval : null,
    }, services.journal.stamp(dataRicezione), claim);
    return conflict ? conflictOutcome('InviaMalattia', conflict) : { ok: { dataRicezione, idCertificato } };
  });
};
