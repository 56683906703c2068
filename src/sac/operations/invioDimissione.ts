/**
 * InviaDimissione (disciplinare 3.8): at discharge a hospital doctor recalls
 * the admission by its PUCIR and the worker's CF and certifies diagnosis and
 * convalescence. What the admission said must be said again the same way.
 *
 * Who may is decided by the acting doctor's REGISTERED region, ASL and
 * structure (a doctor with any of them missing may not), never by what the
 * request declares: until the admission is proven to be of that worker and
 * that hospital the answer is one "not found", so its state (7009) and its
 * details (7012) are told only to a doctor of its own structure.
 *
 * An identical resubmission within the idempotency window is answered the
 * first receipt (src/sac/idempotency.ts), also where the checks would now
 * fail (the first discharge makes a second "already sent"); identity and
 * authorization answers are never replaced by a receipt.
 */
import { romeDate, romeDateTime } from '../../domain/dates.js';
import type { CertificateRecord, RicoveroRecord } from '../../store/port.js';
import { diagnostic, MAX_ERRORS, type Diagnostic } from '../../catalog/diagnostics.js';
import { registeredHospital, resolveDoctor } from '../identity.js';
import { conflictOutcome, requestClaim, unlessResubmitted } from '../idempotency.js';
import { admissionAt, withNewProtocolNumber } from '../lifecycle.js';
import { text, toAddress, toDimissione, toRedattore, toReperibilita, workerCfOf } from '../requestShape.js';
import { checkAddress } from '../rules/addresses.js';
import { checkCalendarDates } from '../rules/dates.js';
import { checkDiagnosi } from '../rules/diagnosi.js';
import { lookupWorker, requestedWorkerCf } from '../rules/worker.js';
import type { Handler } from '../services.js';
import type { Address, Dimissione, Redattore } from '../../domain/certificate.js';

const norm = (value: string | undefined): string => (value ?? '').trim().replace(/\s+/g, ' ').toUpperCase();

function sameAddress(a: Address, b: Address): boolean {
  return (['via', 'civico', 'cap', 'codiceCatastale', 'comune', 'provincia'] as const).every((f) => norm(a[f]) === norm(b[f]));
}

/**
 * Where the discharge disagrees with its admission (told only to a doctor of
 * the admission's structure). The declared structure must repeat the one the
 * admission recorded; when it recorded none, a declared one must still be the
 * admission's own (`struttura`, its operator's).
 */
function mismatches(medico: Redattore, residenza: Address, dimissione: Dimissione, admission: RicoveroRecord, struttura: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const differ = (sezione: string) => out.push(diagnostic('DIMISSIONE_DIVERSA_DAL_RICOVERO', { sezione }));
  if (medico.codiceRegione !== admission.codiceRegione) differ('medico/codiceRegione');
  if (medico.codiceAsl !== admission.codiceAsl) differ('medico/codiceAsl');
  if (admission.codiceStruttura !== null ? medico.codiceStruttura !== admission.codiceStruttura : medico.codiceStruttura !== undefined && medico.codiceStruttura !== struttura) {
    differ('medico/codiceStruttura');
  }
  if (!sameAddress(residenza, admission.document.residenza)) differ('residenza');
  if (dimissione.dataRicovero !== admission.document.ricovero.dataRicovero) differ('dimissione/dataRicovero');
  for (const campo of ['giornataLavorata', 'trauma'] as const) {
    if (admission.document.ricovero[campo] === 'true' && dimissione[campo] !== 'true') {
      out.push(diagnostic('DIMISSIONE_FLAG_RICOVERO', { campo }));
    }
  }
  return out;
}

function checkDischargeDates(d: Dimissione, today: string): Diagnostic[] {
  const invalid = checkCalendarDates([
    ['dimissione/dataRicovero', d.dataRicovero],
    ['dimissione/dataDimissione', d.dataDimissione],
    ['dimissione/dataFine', d.dataFine],
  ]);
  if (invalid.length > 0) return invalid;
  const out: Diagnostic[] = [];
  if (d.dataDimissione < d.dataRicovero) {
    out.push(diagnostic('DATA_DIMISSIONE_PRIMA_RICOVERO', { dimissione: d.dataDimissione, ricovero: d.dataRicovero }));
  }
  if (d.dataFine < d.dataDimissione) out.push(diagnostic('DATA_FINE_PRIMA_DIMISSIONE', { fine: d.dataFine, dimissione: d.dataDimissione }));
  if (d.dataDimissione > today) out.push(diagnostic('DATA_DIMISSIONE_FUTURA', { dimissione: d.dataDimissione, oggi: today }));
  return out;
}

export const invioDimissione: Handler = async (payload, caller, services, headers) => {
  const medico = toRedattore(payload.medico);
  const doctor = await resolveDoctor(medico, caller, services, 'InviaDimissione');
  if ('errors' in doctor) return doctor;
  const hospital = registeredHospital(doctor.doctor);
  if (!hospital) return { errors: [diagnostic('MEDICO_SENZA_STRUTTURA')] };
  const sentCf = workerCfOf(payload);
  const worker = await lookupWorker(sentCf, services);
  const now = services.clock.now();
  const claim = requestClaim('InviaDimissione', caller.username, payload, requestedWorkerCf(worker, sentCf), headers, services, now);
  const failed = (outcome: { errors: Diagnostic[] }) => unlessResubmitted('InviaDimissione', claim, outcome, services);
  if ('errors' in worker) return failed({ errors: worker.errors });

  const idInizioRicovero = text(payload.idInizioRicovero).trim();
  const admission = await services.store.getRicovero(idInizioRicovero);
  if (!admission || admission.lavoratoreCf !== worker.person.codiceFiscale || !(await admissionAt(admission, hospital, services.store))) {
    if (admission) services.journal.denied('ricovero', admission.idInizioRicovero);
    return { errors: [diagnostic('RICOVERO_NON_TROVATO', { sezione: 'idInizioRicovero' })] };
  }
  if (admission.state !== 'attivo') return failed({ errors: [diagnostic('RICOVERO_ANNULLATO', { sezione: 'idInizioRicovero' })] });

  const residenza = toAddress(payload.residenza);
  const reperibilita = toReperibilita(payload.reperibilita);
  const dimissione = toDimissione(payload.dimissione);
  const errors = [
    ...mismatches(medico, residenza, dimissione, admission, hospital.codiceStruttura),
    ...checkDischargeDates(dimissione, romeDate(now)),
    ...checkDiagnosi(dimissione.diagnosi, 'dimissione'),
    ...checkAddress(residenza, 'residenza'),
    ...(reperibilita?.indirizzo ? checkAddress(reperibilita.indirizzo, 'reperibilita/indirizzo') : []),
  ];
  if (errors.length > 0) return failed({ errors: errors.slice(0, MAX_ERRORS) });

  const dataRicezione = romeDateTime(now);
  return withNewProtocolNumber(services.newId, async (idCertificato) => {
    const record: CertificateRecord = {
      idCertificato,
      kind: 'dimissione',
      medicoCf: doctor.medicoCf,
      lavoratoreCf: worker.person.codiceFiscale,
      dataRicezione,
      sentBy: caller.username,
      state: 'attivo',
      document: { residenza, ...(reperibilita ? { reperibilita } : {}), dimissione },
      idInizioRicovero,
    };
    const outcome = await services.store.insertDischarge(record, services.journal.stamp(dataRicezione), claim);
    if (typeof outcome === 'object') return conflictOutcome('InviaDimissione', outcome);
    switch (outcome) {
      case 'ok':
        return { ok: { dataRicezione, idInizioRicovero, idCertificato } };
      case 'discharge_exists':
        return { errors: [diagnostic('DIMISSIONE_GIA_INVIATA')] };
      case 'ricovero_not_active':
        return { errors: [diagnostic('RICOVERO_ANNULLATO', { sezione: 'idInizioRicovero' })] };
    }
  });
};
