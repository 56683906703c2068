/**
 * The gateway as a host of SOAP services: a second, tiny service (Eco: its
 * own namespace, path, one-operation WSDL and XSD under test/fixtures/eco,
 * one handler) is hosted beside CertificatiMedici through the same
 * descriptor type, on a real gateway. Each answers at its own path, with its
 * own WSDL and XSD, validating against its own schema; envelope faults, the
 * login, the kinds of user, the access log and the metrics are the shared
 * ones.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { XmlDocument, XmlElement, type XmlNode } from 'libxml2-wasm';
import { createGateway, createLogger, type Gateway } from '../src/app.js';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { diagnostic } from '../src/catalog/diagnostics.js';
import { loadConfig } from '../src/config.js';
import { romeDate } from '../src/domain/dates.js';
import { SoapPipeline } from '../src/soap/pipeline.js';
import type { SoapContract, SoapOperation, SoapServiceDescriptor } from '../src/soap/service.js';
import type { UserRecord } from '../src/store/port.js';
import { ContractSchema } from '../src/xml/schema.js';
import { tempDir, TestClock } from './support/gateway.js';
import { withTestStore } from './support/testStore.js';
import { envelope, invioMalattia } from './support/requests.js';
import { DEMO, basic, parseFault, parseResponse, post } from './support/soapClient.js';

const FIXTURES = new URL('../../test/fixtures/eco/', import.meta.url);
const ECO_NS = 'urn:sac-gateway:test:eco';
const ECO_PATH = '/EcoServiceWeb/Eco';
const ECO: SoapOperation = {
  name: 'Eco',
  requestElement: 'ecoRequest',
  responseElement: 'ecoResponse',
  okElement: 'ricevutaOkEco',
  soapAction: 'urn:sac-gateway:test:eco:ws/Eco',
};
const ECO_CONTRACT: SoapContract = {
  name: 'Eco',
  path: ECO_PATH,
  namespace: ECO_NS,
  files: {
    wsdl: fileURLToPath(new URL('Eco.wsdl', FIXTURES)),
    wsdlAddress: 'http://127.0.0.1:8080/EcoServiceWeb/Eco',
    xsd: [{ name: 'eco.xsd', file: fileURLToPath(new URL('eco.xsd', FIXTURES)) }],
  },
  operations: [ECO],
};

/** What Eco's handler is given: a count of the calls it ran (and whom for). */
interface EcoServices {
  readonly ran: string[];
}

const ecoSchema = ContractSchema.load(ECO_CONTRACT.files.xsd[0]!.file);
const ran: string[] = [];
const ecoService: SoapServiceDescriptor<UserRecord, EcoServices> = {
  contract: ECO_CONTRACT,
  schema: ecoSchema,
  // Doctors only: a regione user is refused by the pipeline, before the schema and the handler.
  allowedKinds: { Eco: ['medico'] },
  kindOf: (caller) => caller.kind,
  kindRefused: (kind, operation) => [diagnostic('UTENTE_NON_ABILITATO', { sezione: operation.requestElement, tipo: kind, servizio: operation.name })],
  handlers: {
    Eco: (request, caller, services) => {
      services.ran.push(caller.username);
      return { ok: { testo: String(request.testo).toUpperCase(), utente: caller.username, chiamata: services.ran.length } };
    },
  },
  servicesFor: () => ({ ran }),
};

function children(element: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (let n: XmlNode | null = element.firstChild; n; n = (n as XmlElement).next) if (n instanceof XmlElement) out.push(n);
  return out;
}

/** An Eco response: 200, its payload in Eco's namespace and valid against eco.xsd; its fields by local name. */
function ecoAnswer(result: { status: number; text: string; headers: Headers }): Record<string, string> {
  assert.equal(result.status, 200, result.text);
  assert.equal(result.headers.get('content-type'), 'text/xml; charset=utf-8');
  const doc = XmlDocument.fromString(result.text);
  try {
    const body = children(doc.root).find((e) => e.name === 'Body')!;
    const payload = children(body)[0]!;
    assert.equal(payload.namespaceUri, ECO_NS);
    assert.equal(payload.name, 'ecoResponse');
    assert.deepEqual(ecoSchema.validate(payload), [], 'valid against eco.xsd');
    const fields: Record<string, string> = {};
    const walk = (e: XmlElement): void => {
      const kids = children(e);
      if (kids.length === 0) fields[e.name] = e.content;
      for (const k of kids) walk(k);
    };
    walk(payload);
    return fields;
  } finally {
    doc.dispose();
  }
}

const ecoEnvelope = (testo: string): string =>
  `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:e="${ECO_NS}"><soapenv:Body><e:ecoRequest><testo>${testo}</testo></e:ecoRequest></soapenv:Body></soapenv:Envelope>`;

describe('a second SOAP service hosted through the same descriptor as CertificatiMedici', () => {
  const dataDir = tempDir();
  const lines: Record<string, unknown>[] = [];
  let gateway: Gateway;
  let url: string;
  let certEndpoint: string;
  let ecoEndpoint: string;
  let invio: string;

  before(async () => {
    const config = loadConfig(withTestStore({ HOST: '127.0.0.1', PORT: '0', SAC_DATA_DIR: dataDir, LOG_LEVEL: 'info', SAC_METRICS: 'on', SAC_LOG_BUFFER_BYTES: '0' }));
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
        callback();
      },
    });
    gateway = createGateway(config, {
      clock: new TestClock(),
      logger: createLogger('info', sink),
      moreServices: [{ contract: ECO_CONTRACT, pipeline: new SoapPipeline(ecoService) }],
    });
    url = await gateway.listen();
    certEndpoint = `${url}/CertServiceWeb/CertificatiMedici`;
    ecoEndpoint = `${url}${ECO_PATH}`;
    const pin = encryptField(gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
    invio = envelope('invioMalattiaRequest', invioMalattia(romeDate(new Date()), { medico: { pincode: pin } }));
  });
  after(async () => {
    await gateway.close();
    ecoSchema.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('each service serves its own WSDL (with this gateway address) and its own XSD, and nothing of the other', async () => {
    const ecoWsdl = await (await fetch(`${ecoEndpoint}?wsdl`)).text();
    assert.match(ecoWsdl, new RegExp(`<soap:address location="${url}${ECO_PATH}"/>`));
    assert.match(ecoWsdl, new RegExp(`schemaLocation="${url}${ECO_PATH}\\?xsd=eco\\.xsd"`));
    assert.match(ecoWsdl, /<wsdl:operation name="Eco">/);
    const certWsdl = await (await fetch(`${certEndpoint}?wsdl`)).text();
    assert.match(certWsdl, new RegExp(`<soap:address location="${url}/CertServiceWeb/CertificatiMedici"/>`));
    assert.doesNotMatch(certWsdl, /Eco/);

    const xsd = await fetch(`${ecoEndpoint}?xsd=eco.xsd`);
    assert.equal(xsd.status, 200);
    assert.equal(xsd.headers.get('content-type'), 'text/xml; charset=utf-8');
    assert.equal(await xsd.text(), readFileSync(ECO_CONTRACT.files.xsd[0]!.file, 'utf8'));
    assert.equal((await fetch(`${ecoEndpoint}?xsd=definitorio.xsd`)).status, 404);
    assert.equal((await fetch(`${certEndpoint}?xsd=eco.xsd`)).status, 404);
    assert.equal((await fetch(`${certEndpoint}?xsd=definitorio.xsd`)).status, 200);

    const put = await fetch(ecoEndpoint, { method: 'PUT' });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'POST');
    assert.match(await put.text(), new RegExp(`${ECO_PATH}\\?wsdl`));
  });

  test('both answer, each validating against its own schema', async () => {
    const before = ran.length;
    const ok = ecoAnswer(await post(ecoEndpoint, ecoEnvelope('ciao'), { soapAction: `"${ECO.soapAction}"` }));
    assert.equal(ok.testo, 'CIAO');
    assert.equal(ok.utente, DEMO.medico.user, 'the handler got the authenticated caller');
    assert.equal(ran.length, before + 1);

    // Against eco.xsd: digits are not in [a-z]; the handler does not run.
    const refused = ecoAnswer(await post(ecoEndpoint, ecoEnvelope('ciao42')));
    assert.ok(refused.tipoErrore, 'a ricevutaNonOk');
    assert.match(refused.sezioneErrata!, /testo/);
    assert.equal(ran.length, before + 1);

    // CertificatiMedici is unchanged beside it (parseResponse validates against definitorio.xsd).
    const cert = parseResponse(await post(certEndpoint, invio));
    assert.deepEqual(cert.errors, []);
    assert.match(cert.ok.idCertificato!, /^\d+$/);
    const certRefused = parseResponse(await post(certEndpoint, invio.replace('<dataFine>', '<dataFine>x')));
    assert.ok(certRefused.errors.length > 0);
  });

  test("a payload of one service sent to the other is an unknown operation there; a SOAPAction of the other is refused", async () => {
    const atEco = parseFault(await post(ecoEndpoint, invio));
    assert.equal(atEco.faultcode, 'soap:Client');
    assert.match(atEco.faultstring, /invioMalattiaRequest/);
    const atCert = parseFault(await post(certEndpoint, ecoEnvelope('ciao')));
    assert.equal(atCert.faultcode, 'soap:Client');
    assert.match(atCert.faultstring, new RegExp(`\\{${ECO_NS}\\}ecoRequest`));
    // Both are the same catalog fault, naming the element and the service that does not know it.
    assert.match(atEco.faultstring, /nessuna operazione di Eco\.$/);
    assert.match(atCert.faultstring, /nessuna operazione di CertificatiMedici\.$/);
    const shape = (faultstring: string): string => faultstring.replace(/\{[^}]*\}\w+/, 'X').replace(/di \w+\.$/, 'di S.');
    assert.equal(shape(atEco.faultstring), shape(atCert.faultstring));

    const mismatch = parseFault(await post(ecoEndpoint, ecoEnvelope('ciao'), { soapAction: '"http://ws.cert.sanita.finanze.it/InviaMalattia"' }));
    assert.equal(mismatch.faultcode, 'soap:Client');
    assert.match(mismatch.faultstring, /Eco/);
  });

  test('envelope faults are rendered the same way by both', async () => {
    for (const body of ['', 'this is not xml', '<?xml version="1.0"?><x/>']) {
      const [a, b] = await Promise.all([post(ecoEndpoint, body), post(certEndpoint, body)]);
      assert.equal(a.status, b.status, body);
      assert.equal(a.headers.get('content-type'), b.headers.get('content-type'));
      assert.equal(a.text, b.text, `same fault for ${JSON.stringify(body)}`);
      parseFault(a);
    }
  });

  test('the login is shared: a wrong password or none is the same 401 on both', async () => {
    for (const auth of [basic(DEMO.medico.user, 'wrong-password'), null]) {
      const [a, b] = await Promise.all([post(ecoEndpoint, ecoEnvelope('ciao'), { auth }), post(certEndpoint, invio, { auth })]);
      assert.equal(a.status, 401);
      assert.equal(b.status, 401);
      assert.equal(a.headers.get('www-authenticate'), b.headers.get('www-authenticate'));
      assert.equal(a.text, b.text);
    }
  });

  test("the descriptor's allowed kinds: a regione user is refused by Eco before its schema and handler, served by CertificatiMedici", async () => {
    const before = ran.length;
    const regione = basic(DEMO.regione.user, DEMO.regione.password);
    // Even a schema-invalid request gets the kind's refusal alone: no validation was done.
    const refused = ecoAnswer(await post(ecoEndpoint, ecoEnvelope('NOT-VALID'), { auth: regione }));
    assert.equal(refused.tipoErrore, '2009');
    assert.equal(refused.sezioneErrata, 'ecoRequest');
    assert.match(refused.descrizione!, /regione non è abilitato al servizio Eco/);
    assert.equal(ran.length, before, 'the handler did not run');
    const cert = await post(certEndpoint, invio, { auth: regione });
    assert.equal(cert.status, 200);
    assert.doesNotMatch(cert.text, /non è abilitato al servizio InviaMalattia/);
  });

  test("the access log and the metrics carry the service's operation", async () => {
    ecoAnswer(await post(ecoEndpoint, ecoEnvelope('log')));
    let line: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && line === undefined; i++) {
      line = lines.find((l) => l.msg === 'soap call' && l.operation === 'Eco' && l.outcome === 'ok');
      if (line === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(line, 'an access line for Eco');
    assert.equal(line.user, DEMO.medico.user);
    assert.equal(line.kind, 'medico');
    assert.ok(lines.some((l) => l.msg === 'soap call' && l.operation === 'Eco' && l.outcome === 'ricevutaNonOk'));
    assert.ok(lines.some((l) => l.msg === 'soap call' && l.operation === 'InviaMalattia' && l.outcome === 'ok'));
    assert.ok(!lines.some((l) => JSON.stringify(l).includes('ciao')), 'no request content in the log');

    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /sac_requests_total\{operation="Eco",outcome="ok"\} [1-9]/);
    assert.match(metrics, /sac_requests_total\{operation="Eco",outcome="ricevutaNonOk"\} [1-9]/);
    assert.match(metrics, /sac_requests_total\{operation="InviaMalattia",outcome="ok"\} [1-9]/);
    assert.match(metrics, /sac_request_duration_seconds_count\{operation="Eco"\} [1-9]/);
  });
});
