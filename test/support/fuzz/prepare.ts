/**
 * Before a run: the target gateway's pincode certificate (so the demo
 * doctor's pincode is encrypted as a client would), and real records for the
 * bases to refer to (a certificate, an admission, its discharge), made with
 * the unmutated requests — which also proves the bases are acceptable.
 */
import { encryptField } from '../../../src/auth/pincodeCipher.js';
import { DEMO, parseResponse } from '../soapClient.js';
import { buildBases, type BaseRequest, type KnownIds } from './bases.js';
import { baseDraft } from './mutations.js';
import { request } from './send.js';
import { write } from './tree.js';

export interface Prepared {
  readonly bases: BaseRequest[];
  readonly ids: KnownIds;
  /** Bases whose unmutated request was not accepted (each a reason). */
  readonly notAccepted: string[];
}

async function sendBase(endpoint: string, base: BaseRequest): Promise<{ ok: Record<string, string> } | { problem: string }> {
  const d = baseDraft(base);
  const body = Buffer.from(d.declaration + write(d.envelope), 'utf8');
  const answer = await request(endpoint, 'POST', {
    'content-type': d.contentType!,
    soapaction: d.soapAction!,
    authorization: d.authorization!,
    'content-length': body.length,
  }, body, 10_000);
  try {
    const parsed = parseResponse({ status: answer.status, headers: new Headers(answer.headers as Record<string, string>), text: answer.body.toString('utf8') });
    if (parsed.errors.length > 0) return { problem: `${base.name}: ${parsed.errors.map((e) => `${e.tipoErrore} ${e.descrizione}`).join('; ')}` };
    return { ok: parsed.ok };
  } catch (err) {
    return { problem: `${base.name}: ${(err as Error).message.slice(0, 200)}` };
  }
}

function find(bases: readonly BaseRequest[], name: string): BaseRequest {
  const found = bases.find((b) => b.name === name);
  if (!found) throw new Error(`no base ${name}`);
  return found;
}

/** `baseUrl` is the gateway's root (http://host:port); `today` its day in Rome. */
export async function prepareBases(baseUrl: string, today: string): Promise<Prepared> {
  const endpoint = `${baseUrl}/CertServiceWeb/CertificatiMedici`;
  const pem = await request(`${baseUrl}/CertServiceWeb/SanitelCF.pem`, 'GET', {}, undefined, 10_000);
  if (pem.status !== 200) throw new Error(`the gateway's pincode certificate: HTTP ${pem.status || pem.error}`);
  const pin = encryptField(pem.body.toString('utf8'), DEMO.medico.pincode);
  const notAccepted: string[] = [];
  const ids: KnownIds = {};

  let bases = buildBases({ pin, today });
  const malattia = await sendBase(endpoint, find(bases, 'invioMalattia/medico'));
  if ('ok' in malattia) ids.certificato = malattia.ok.idCertificato;
  else notAccepted.push(malattia.problem);
  const ricovero = await sendBase(endpoint, find(bases, 'invioRicovero/operatore'));
  if ('ok' in ricovero) ids.ricovero = ricovero.ok.idInizioRicovero;
  else notAccepted.push(ricovero.problem);
  bases = buildBases({ pin, today, ids });
  const dimissione = await sendBase(endpoint, find(bases, 'invioDimissione/medico'));
  if ('ok' in dimissione) ids.dimissione = dimissione.ok.idCertificato;
  else notAccepted.push(dimissione.problem);
  return { bases: buildBases({ pin, today, ids }), ids, notAccepted };
}
