/**
 * InviaRicovero (disciplinare 3.7): a hospital operator, or a region on an
 * operator's behalf, communicates the start of an admission; the answer is
 * the PUCIR (idInizioRicovero). An identical resubmission within the
 * idempotency window is answered the first receipt (src/sac/idempotency.ts).
 */
import { romeDate, romeDateTime } from '../../domain/dates.js';
import { diagnostic, MAX_ERRORS, type Diagnostic } from '../../catalog/diagnostics.js';
import { resolveStructure } from '../identity.js';
import { conflictOutcome, requestClaim, unlessResubmitted } from '../idempotency.js';
import { withNewProtocolNumber } from '../lifecycle.js';
import { obj, toAddress, toRedattore, toRicovero, workerCfOf } from '../requestShape.js';
import { checkAddress } from '../rules/addresses.js';
import { checkCalendarDates } from '../rules/dates.js';
import { lookupWorker, requestedWorkerCf } from '../rules/worker.js';
import type { Handler } from '../services.js';

export const invioRicovero: Handler = async (payload, caller, services, headers) => {
  const acting = await resolveStructure(
    payload.operatore === undefined ? undefined : toRedattore(payload.operatore),
    caller,
    services,
    'InviaRicovero',
    true,
  );
  if ('errors' in acting) return acting;

  const now = services.clock.now();
  const today = romeDate(now);
  const residenza = toAddress(payload.residenza);
  const ricovero = toRicovero(obj(payload.ricovero));
  const errors: Diagnostic[] = [];
  const sentCf = workerCfOf(payload);
  const worker = await lookupWorker(sentCf, services);
  if ('errors' in worker) errors.push(...worker.errors);
  const invalid = checkCalendarDates([['ricovero/dataRicovero', ricovero.dataRicovero]]);
  errors.push(...invalid);
  if (invalid.length === 0 && ricovero.dataRicovero > today) {
    errors.push(diagnostic('DATA_RICOVERO_FUTURA', { ricovero: ricovero.dataRicovero, oggi: today }));
  }
  errors.push(...checkAddress(residenza, 'residenza'));
  const claim = requestClaim('InviaRicovero', caller.username, payload, requestedWorkerCf(worker, sentCf), headers, services, now);
  if (errors.length > 0 || 'errors' in worker) return unlessResubmitted('InviaRicovero', claim, { errors: errors.slice(0, MAX_ERRORS) }, services);

  const dataRicezione = romeDateTime(now);
  return withNewProtocolNumber(services.newId, async (idInizioRicovero) => {
    const conflict = await services.store.insertRicovero({
      idInizioRicovero,
      lavoratoreCf: worker.person.codiceFiscale,
      operatoreCf: acting.structure.operatoreCf,
      codiceRegione: acting.structure.codiceRegione,
      codiceAsl: acting.structure.codiceAsl,
      codiceStruttura: acting.structure.codiceStruttura,
      sentBy: caller.username,
      dataRicezione,
      state: 'attivo',
      document: { residenza, ricovero },
    }, services.journal.stamp(dataRicezione), claim);
    return conflict ? conflictOutcome('InviaRicovero', conflict) : { ok: { dataRicezione, idInizioRicovero } };
  });
};
