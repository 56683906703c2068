/**
 * InterrogazioneLavoratore (disciplinare 3.1): a doctor checks a worker's
 * codice fiscale and gets surname and name from the registry. A hospital
 * operatore may too (disciplinare 3.7: the health authority acquires the
 * worker's information from the codice fiscale), for itself only.
 */
import { lookupWorker } from '../rules/worker.js';
import { resolveDoctor, resolveOperatorReader } from '../identity.js';
import { obj, text, toRedattore } from '../requestShape.js';
import type { Handler } from '../services.js';

export const interrogazioneLavoratore: Handler = async (payload, caller, services) => {
  const redattore = toRedattore(payload.medico);
  const reader =
    caller.kind === 'operatore' ? resolveOperatorReader(redattore, caller) : await resolveDoctor(redattore, caller, services, 'InterrogazioneLavoratore');
  if ('errors' in reader) return reader;
  const worker = await lookupWorker(text(obj(payload.lavoratore).codiceFiscale), services);
  if ('errors' in worker) return worker;
  // No journal, no data: the answer leaves only once the read is on record.
  await services.journal.read('persona', [worker.person.codiceFiscale]);
  return { ok: { cognome: worker.person.cognome, nome: worker.person.nome } };
};
