/**
 * RicercaMalattia: the sickness certificates this doctor issued for this
 * worker, by release day. No start means six months back; an earlier start
 * is clipped to six months back; no end means today. Never another doctor's.
 */
import { addMonths, romeDate } from '../../domain/dates.js';
import { diagnostic } from '../../catalog/diagnostics.js';
import { resolveDoctor } from '../identity.js';
import { optText, toRedattore, workerCfOf } from '../requestShape.js';
import { checkCalendarDates } from '../rules/dates.js';
import { lookupWorker } from '../rules/worker.js';
import type { Handler } from '../services.js';

export const SEARCH_MONTHS = 6;

export const ricercaMalattia: Handler = async (payload, caller, services) => {
  const doctor = await resolveDoctor(toRedattore(payload.medico), caller, services, 'RicercaMalattia');
  if ('errors' in doctor) return doctor;
  const worker = await lookupWorker(workerCfOf(payload), services);
  if ('errors' in worker) return worker;

  const givenStart = optText(payload.dataInizioRicerca);
  const givenEnd = optText(payload.dataFineRicerca);
  const invalid = checkCalendarDates([
    ...(givenStart === undefined ? [] : [['dataInizioRicerca', givenStart] as const]),
    ...(givenEnd === undefined ? [] : [['dataFineRicerca', givenEnd] as const]),
  ]);
  if (invalid.length > 0) return { errors: invalid };
  if (givenStart !== undefined && givenEnd !== undefined && givenEnd < givenStart) {
    return { errors: [diagnostic('RICERCA_INTERVALLO', { inizio: givenStart, fine: givenEnd })] };
  }

  const today = romeDate(services.clock.now());
  const earliest = addMonths(today, -SEARCH_MONTHS);
  const fromDay = givenStart === undefined || givenStart < earliest ? earliest : givenStart;
  const toDay = givenEnd ?? today;
  const found = await services.store.findCertificates({
    medicoCf: doctor.medicoCf,
    lavoratoreCf: worker.person.codiceFiscale,
    kind: 'malattia',
    fromDay,
    toDay,
  });
  // No journal, no data: the answer leaves only once each certificate's read is on record.
  await services.journal.read('certificato', found.map((c) => c.idCertificato));
  return {
    ok: {
      datiCertificato: found.map((c) => {
        const m = c.document.malattia!;
        return {
          idCertificato: c.idCertificato,
          dataRicezione: c.dataRicezione,
          annullato: c.state === 'annullato' ? 'true' : 'false',
          malattia: {
            dataRilascio: m.dataRilascio,
            dataInizio: m.dataInizio,
            dataFine: m.dataFine,
            visita: m.visita,
            tipoCertificato: m.tipoCertificato,
          },
        };
      }),
    },
  };
};
