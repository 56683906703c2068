/**
 * RettificaMalattia (disciplinare 3.3) and RettificaDimissione: the issuing
 * doctor brings the end of the prognosis forward while it is still running.
 * The rectification is a new certificate with its own PUC that refers to the
 * original; the original stays readable, marked rectified.
 */
import { romeDate, romeDateTime } from '../../domain/dates.js';
import type { CertificateDocument, CertificateKind, CertificateRecord } from '../../store/port.js';
import { diagnostic, type Diagnostic } from '../../catalog/diagnostics.js';
import { resolveDoctor } from '../identity.js';
import {
  addressOut,
  anagraficaOut,
  dimissioneOut,
  malattiaOut,
  mustBeActive,
  ownCertificate,
  reperibilitaOut,
  withNewProtocolNumber,
} from '../lifecycle.js';
import { text, toRedattore, workerCfOf } from '../requestShape.js';
import { checkCalendarDates } from '../rules/dates.js';
import { lookupWorker } from '../rules/worker.js';
import type { Handler } from '../services.js';

/** The prognosis of the document with a new end day. */
function withNewEnd(document: CertificateDocument, dataFine: string): CertificateDocument {
  return document.malattia
    ? { ...document, malattia: { ...document.malattia, dataFine } }
    : { ...document, dimissione: { ...document.dimissione, dataFine } };
}

/** Start of the prognosis: the first day of sickness, or the discharge day for a discharge certificate. */
function prognosisStart(document: CertificateDocument): string {
  return document.malattia ? document.malattia.dataInizio : document.dimissione.dataDimissione;
}

function endOf(document: CertificateDocument): string {
  return document.malattia ? document.malattia.dataFine : document.dimissione.dataFine;
}

export function rettifica(kind: CertificateKind, servizio: 'RettificaMalattia' | 'RettificaDimissione'): Handler {
  return async (payload, caller, services) => {
    const doctor = await resolveDoctor(toRedattore(payload.medico), caller, services, servizio);
    if ('errors' in doctor) return doctor;
    const worker = await lookupWorker(workerCfOf(payload), services);
    if ('errors' in worker) return worker;
    const nuova = text(payload.dataFine);
    const invalid = checkCalendarDates([['dataFine', nuova]]);
    if (invalid.length > 0) return { errors: invalid };

    const found = ownCertificate(
      await services.store.getCertificate(text(payload.idCertificato).trim()),
      doctor.medicoCf,
      worker.person.codiceFiscale,
      kind,
      services.journal,
    );
    if ('errors' in found) return found;
    const original = found.certificate;
    const stateErrors = mustBeActive(original);
    if (stateErrors.length > 0) return { errors: stateErrors };

    const now = services.clock.now();
    const today = romeDate(now);
    const fine = endOf(original.document);
    const inizio = prognosisStart(original.document);
    const errors: Diagnostic[] = [];
    if (today > fine) errors.push(diagnostic('RETTIFICA_FUORI_PROGNOSI', { fine }));
    if (nuova >= fine) errors.push(diagnostic('RETTIFICA_NON_ANTICIPA', { nuova, fine }));
    if (nuova < inizio) errors.push(diagnostic('RETTIFICA_PRIMA_INIZIO', { nuova, inizio }));
    if (errors.length > 0) return { errors };

    const dataRicezione = romeDateTime(now);
    const document = withNewEnd(original.document, nuova);
    return withNewProtocolNumber(services.newId, async (idCertificato) => {
      const rectification: CertificateRecord = {
        idCertificato,
        kind,
        medicoCf: original.medicoCf,
        lavoratoreCf: original.lavoratoreCf,
        dataRicezione,
        sentBy: caller.username,
        state: 'attivo',
        document,
        rettificaDi: original.idCertificato,
        idInizioRicovero: original.idInizioRicovero ?? null,
        // The same paper certificate with a new end: its origin carries over.
        paperWindow: original.paperWindow ?? null,
      };
      // The state is checked again inside the write transaction: a racing
      // cancellation or rectification may have won since the read above.
      const outcome = await services.store.rectifyCertificate(original.idCertificato, rectification, services.journal.stamp(dataRicezione));
      if (outcome !== 'ok') {
        const now = await services.store.getCertificate(original.idCertificato);
        return { errors: now ? mustBeActive(now) : [diagnostic('CERTIFICATO_NON_TROVATO')] };
      }
      return {
        ok: {
          dataRicezione,
          idCertificato,
          lavoratore: anagraficaOut(worker.person),
          residenza: addressOut(document.residenza),
          reperibilita: reperibilitaOut(document.reperibilita),
          ...(document.malattia ? { malattia: malattiaOut(document.malattia) } : { dimissione: dimissioneOut(document.dimissione!) }),
        },
      };
    });
  };
}

export const rettificaMalattia = rettifica('malattia', 'RettificaMalattia');
export const rettificaDimissione = rettifica('dimissione', 'RettificaDimissione');
