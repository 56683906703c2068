/**
 * InterrogazioneLavoratore (disciplinare 3.1): a doctor checks a worker's
 * codice fiscale and gets surname and name from the registry.
 */
import { lookupWorker } from '../rules/worker.js';
import { resolveDoctor } from '../identity.js';
import { obj, text, toRedattore } from '../requestShape.js';
import type { Handler } from '../services.js';

export const interrogazioneLavoratore: Handler = async (payload, caller, services) => {
  const doctor = await resolveDoctor(toRedattore(payload.medico), caller, services, 'InterrogazioneLavoratore');
  if ('errors' in doctor) return doctor;
  const worker = lookupWorker(text(obj(payload.lavoratore).codiceFiscale), services);
  if ('errors' in worker) return worker;
  // No journal, no data: the answer leaves only once the read is on record.
  await services.journal.read('persona', [worker.person.codiceFiscale]);
  return { ok: { cognome: worker.person.cognome, nome: worker.person.nome } };
};
