/**
 * RistampaMalattia: everything needed to print a certificate again, for the
 * doctor who issued it. "Not found" and "not yours" are one answer, so a
 * doctor cannot probe for other doctors' certificates.
 */
import { diagnostic } from '../diagnostics.js';
import { resolveDoctor } from '../identity.js';
import { obj, text, toRedattore } from '../requestShape.js';
import { lookupWorker } from '../rules/worker.js';
import type { Handler } from '../services.js';
import type { Address } from '../types.js';

export const ristampaMalattia: Handler = async (payload, caller, services) => {
  const doctor = await resolveDoctor(toRedattore(payload.medico), caller, services, 'RistampaMalattia');
  if ('errors' in doctor) return doctor;
  const worker = lookupWorker(text(obj(payload.lavoratore).codiceFiscale), services);
  if ('errors' in worker) return worker;

  const certificate = services.store.getCertificate(text(payload.idCertificato).trim());
  if (
    !certificate ||
    certificate.kind !== 'malattia' ||
    certificate.medicoCf !== doctor.medicoCf ||
    certificate.lavoratoreCf !== worker.person.codiceFiscale
  ) {
    return { errors: [diagnostic('CERTIFICATO_NON_TROVATO')] };
  }
  const { person } = worker;
  const { residenza, reperibilita, malattia } = certificate.document;
  return {
    ok: {
      lavoratore: {
        codiceFiscale: person.codiceFiscale,
        cognome: person.cognome,
        nome: person.nome,
        sesso: person.sesso,
        dataNascita: person.dataNascita,
        comuneNascita: person.comuneNascita,
        provinciaNascita: person.provinciaNascita,
      },
      residenza: addressOut(residenza),
      reperibilita: reperibilita && {
        cognome: reperibilita.cognome,
        indirizzo: reperibilita.indirizzo && addressOut(reperibilita.indirizzo),
      },
      malattia: {
        ruoloMedico: malattia.ruoloMedico,
        dataRilascio: malattia.dataRilascio,
        dataInizio: malattia.dataInizio,
        dataFine: malattia.dataFine,
        visita: malattia.visita,
        tipoCertificato: malattia.tipoCertificato,
        diagnosi: { codiceDiagnosi: malattia.diagnosi.codiceDiagnosi, noteDiagnosi: malattia.diagnosi.noteDiagnosi },
        giornataLavorata: malattia.giornataLavorata,
        trauma: malattia.trauma,
        agevolazioni: malattia.agevolazioni,
      },
    },
  };
};

/** In the contract's element order, whatever order the stored JSON has. */
function addressOut(a: Address) {
  return { via: a.via, civico: a.civico, cap: a.cap, codiceCatastale: a.codiceCatastale, comune: a.comune, provincia: a.provincia };
}
