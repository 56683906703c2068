/**
 * RistampaMalattia: everything needed to print a certificate again, for the
 * doctor who issued it (whatever its state: a cancelled or rectified
 * certificate can still be printed as it was).
 */
import { resolveDoctor } from '../identity.js';
import { addressOut, anagraficaOut, malattiaOut, ownCertificate, reperibilitaOut } from '../lifecycle.js';
import { obj, text, toRedattore } from '../requestShape.js';
import { lookupWorker } from '../rules/worker.js';
import type { Handler } from '../services.js';

export const ristampaMalattia: Handler = async (payload, caller, services) => {
  const doctor = await resolveDoctor(toRedattore(payload.medico), caller, services, 'RistampaMalattia');
  if ('errors' in doctor) return doctor;
  const worker = await lookupWorker(text(obj(payload.lavoratore).codiceFiscale), services);
  if ('errors' in worker) return worker;
  const found = ownCertificate(
    await services.store.getCertificate(text(payload.idCertificato).trim()),
    doctor.medicoCf,
    worker.person.codiceFiscale,
    'malattia',
    services.journal,
  );
  if ('errors' in found) return found;
  // No journal, no data: the answer leaves only once the read is on record.
  await services.journal.read('certificato', [found.certificate.idCertificato]);
  const { residenza, reperibilita, malattia } = found.certificate.document;
  return {
    ok: {
      lavoratore: anagraficaOut(worker.person),
      residenza: addressOut(residenza),
      reperibilita: reperibilitaOut(reperibilita),
      malattia: malattiaOut(malattia!),
    },
  };
};
