/**
 * The second service is built through the same descriptor as the first and
 * hosted by the same SOAP scope (issue 12, point 1): on a real gateway,
 * CertificatiMedici and AttestatiMalattia give the same 401, the same fault
 * bytes for a broken envelope, share each user's rate-limit bucket, and show
 * in the same access log and metrics; in process, the descriptor the gateway
 * hosts runs through the shared SoapPipeline class and answers the very
 * bytes the HTTP route answers.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ATTESTATI_PATH, ATTESTATI_XSD_PATH, type AttestatiOperation } from '../src/attestati/contract.js';
import { attestatiMalattiaService } from '../src/attestati/service.js';
import type { AttestatiServices } from '../src/attestati/handlers.js';
import { DEFAULT_XML_LIMITS } from '../src/xml/limits.js';
import { InpsConsultation } from '../src/inps/consultation.js';
import { certificatiMediciService } from '../src/sac/service.js';
import { SoapPipeline } from '../src/soap/pipeline.js';
import type { SoapServiceDescriptor } from '../src/soap/service.js';
import type { UserRecord } from '../src/store/port.js';
import { ContractSchema } from '../src/xml/schema.js';
import { startGateway, type Running } from './support/gateway.js';
import { attestatiEnvelope, basicAuth, call, DATORE, errorCode, LAVORATORE, operationOf, parseAnswer } from './support/attestati.js';
import { basic, DEMO, parseFault, post } from './support/soapClient.js';

/** Whether T is a SoapServiceDescriptor (of any services and operations). */
type IsDescriptor<T> = T extends SoapServiceDescriptor<UserRecord, infer _S, infer _O> ? true : false;

let gw: Running;
let attestati: string;
let cert: string;
const schema = ContractSchema.load(ATTESTATI_XSD_PATH);

before(async () => {
  // One datore may make 3 calls, then waits a minute: a bucket shared by every hosted service.
  gw = await startGateway({ SAC_RATE_LIMITS: 'datore=1/min:3', SAC_METRICS: 'on' });
  attestati = `${gw.url}${ATTESTATI_PATH}`;
  cert = gw.endpoint;
});
after(async () => {
  await gw?.stop();
  schema.dispose();
});

test('both are SoapServiceDescriptor values run by the same pipeline class: in process, the same bytes as over HTTP', async () => {
  const store = gw.gateway.store;
  const descriptor: SoapServiceDescriptor<UserRecord, AttestatiServices, AttestatiOperation> = attestatiMalattiaService({
    schema,
    consultation: new InpsConsultation({ store, registry: store, employment: store }),
    store,
    registry: store,
    clock: gw.clock,
    xmlLimits: DEFAULT_XML_LIMITS,
    lookupThrottle: undefined,
    timeBands: {},
  });
  // Both builders return the one descriptor type (src/soap/service.ts); checked by the compiler.
  const both: [IsDescriptor<ReturnType<typeof certificatiMediciService>>, IsDescriptor<ReturnType<typeof attestatiMalattiaService>>] = [true, true];
  assert.deepEqual(both, [true, true]);
  const pipeline = new SoapPipeline(descriptor);
  const body = attestatiEnvelope('ElencoDocumentiDatore', { dal: '2026-01-01', al: '2026-01-31' });
  const caller = (await store.findUser(LAVORATORE.user))!;
  const inProcess = await pipeline.handle({ body: Buffer.from(body), contentType: 'text/xml; charset=utf-8', soapAction: undefined, caller, clientAddress: '127.0.0.1' });
  assert.equal(inProcess.operation.name, 'ElencoDocumentiDatore');
  assert.deepEqual(inProcess.errorCodes, ['2009']);
  const overHttp = await post(attestati, body, { auth: basicAuth(LAVORATORE) });
  assert.equal(overHttp.text, inProcess.xml);
  errorCode(parseAnswer(overHttp, 'ElencoDocumentiDatore'));
});

test('the same 401 on both paths, for a wrong password and for none', async () => {
  const body = attestatiEnvelope('ConsultaDocumento', { idCertificato: '1234567890' });
  for (const auth of [basic(DEMO.medico.user, 'wrong-password'), null]) {
    const [a, b] = await Promise.all([post(attestati, body, { auth }), post(cert, body, { auth })]);
    assert.equal(a.status, 401);
    assert.equal(b.status, 401);
    assert.equal(a.headers.get('www-authenticate'), b.headers.get('www-authenticate'));
    assert.equal(a.text, b.text);
  }
});

test('the same fault bytes for a broken envelope', async () => {
  const bodies = [
    '',
    'this is not xml',
    '<?xml version="1.0"?><x/>',
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/></soapenv:Envelope>',
    '<Envelope xmlns="http://www.w3.org/2003/05/soap-envelope"><Body/></Envelope>',
    '<!DOCTYPE x [<!ENTITY a "b">]><x/>',
  ];
  for (const body of bodies) {
    const [a, b] = await Promise.all([post(attestati, body), post(cert, body)]);
    assert.equal(a.status, b.status, body);
    assert.equal(a.headers.get('content-type'), b.headers.get('content-type'));
    assert.equal(a.text, b.text, `same fault for ${JSON.stringify(body)}`);
    parseFault(a);
  }
  // A SOAPAction of the other service: refused the same way, naming the operation.
  const mismatch = parseFault(await post(attestati, attestatiEnvelope('ConsultaDocumento', { idCertificato: '1234567890' }), { soapAction: '"http://ws.cert.sanita.finanze.it/InviaMalattia"' }));
  assert.match(mismatch.faultstring, /ConsultaDocumento/);
});

test("one user's rate-limit bucket is shared by both services (admission control is the scope's)", async () => {
  const datore = basic(DATORE.user, DATORE.password);
  // Two calls to CertificatiMedici (refused 2009: a datore sends no certificate) and one here use the bucket up.
  for (let i = 0; i < 2; i++) assert.equal((await post(cert, '<x/>', { auth: datore })).status, 500);
  const third = await call(gw.url, 'ElencoDocumentiDatore', { dal: '2026-01-01', al: '2026-01-02' }, DATORE);
  assert.equal(parseAnswer(third, 'ElencoDocumentiDatore').ok, true);
  const [here, there] = await Promise.all([call(gw.url, 'ConsultaDocumento', { idCertificato: '1234567890' }, DATORE), post(cert, '<x/>', { auth: datore })]);
  for (const refused of [here, there]) {
    assert.equal(refused.status, 503);
    assert.match(parseFault(refused, 503).faultstring, /troppe richieste dall'utente/);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
  }
  // Another kind of user is not affected.
  const lavoratore = await call(gw.url, 'ElencoDocumentiLavoratore', {}, LAVORATORE);
  assert.equal(parseAnswer(lavoratore, 'ElencoDocumentiLavoratore').ok, true);
});

test("the access log's metrics carry the service's operations", async () => {
  await call(gw.url, 'ConsultaAttestato', { codiceFiscaleLavoratore: LAVORATORE.user, idCertificato: '1234567890' }, LAVORATORE);
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  assert.match(metrics, /sac_requests_total\{operation="ElencoDocumentiLavoratore",outcome="ok"\} [1-9]/);
  assert.match(metrics, /sac_requests_total\{operation="ConsultaAttestato",outcome="ricevutaNonOk"\} [1-9]/);
  assert.match(metrics, /sac_requests_total\{operation="ConsultaDocumento",outcome="RATE_LIMITED"\}|sac_requests_total\{operation="unknown",outcome="RATE_LIMITED"\}/);
  assert.equal(operationOf('ConsultaAttestato').soapAction, 'http://ws.attestati.inps.sac-gateway.org/ConsultaAttestato');
});

test("SAC_TIME_BANDS applies to the service's calls, per kind of user, as to CertificatiMedici's", async () => {
  const banded = await startGateway({ SAC_TIME_BANDS: 'lavoratore=08:00-09:00' });
  try {
    // 10:00 in Rome: outside the workers' band; the employers have none.
    banded.clock.set('2026-11-25T09:00:00.000Z');
    const refused = parseAnswer(await call(banded.url, 'ElencoDocumentiLavoratore', {}, LAVORATORE), 'ElencoDocumentiLavoratore');
    assert.equal(errorCode(refused), '8001');
    assert.match(refused.errors[0]!.descrizione, /08:00-09:00/);
    const served = parseAnswer(await call(banded.url, 'ElencoDocumentiDatore', { dal: '2026-11-25', al: '2026-11-25' }, DATORE), 'ElencoDocumentiDatore');
    assert.equal(served.ok, true);
    banded.clock.set('2026-11-25T07:30:00.000Z');
    assert.equal(parseAnswer(await call(banded.url, 'ElencoDocumentiLavoratore', {}, LAVORATORE), 'ElencoDocumentiLavoratore').ok, true);
  } finally {
    await banded.stop();
  }
});
