/**
 * Third-party SOAP toolkits, each generating its client at run time from the
 * WSDL URL the gateway serves (no local copy, no edits), call the gateway the
 * way a vendor's software would: node-soap in process, zeep (Python) and
 * PHP's SoapClient as child processes. The tests check what each toolkit got
 * back and what it put on the wire (root qualified, children unqualified, as
 * elementFormDefault="unqualified" demands). Each toolkit searches with
 * RicercaMalattia for the certificates it just sent, for a worker of its own,
 * so the answer is known: a list of one, then of two. The fault each one
 * meets is genuine: a request over the gateway's size limit.
 *
 * zeep and php-soap come from Debian packages (.ci/install-test-deps.sh):
 * when missing, the tests fail with the command to run, they never skip.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { XmlDocument, type XmlElement } from 'libxml2-wasm';
import soap from 'soap';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { PROJECT_ROOT } from '../src/contract/files.js';
import { NO_RESUBMISSION_DETECTION, startGateway, type Running } from './support/gateway.js';
import { DEMO } from './support/soapClient.js';
import { defaultResidenza } from './support/requests.js';

const run = promisify(execFile);

// 10:00 in Rome on 25 November 2026: the gateway's "today" is TODAY.
const NOW = '2026-11-25T09:00:00.000Z';
const TODAY = '2026-11-25';
const CERT_NS = 'http://cert.sanita.finanze.it/';
// One worker per toolkit: each search sees only what that toolkit sent.
const WORKER = 'RSSMRA80A01H501U';
const ZEEP_WORKER = { cf: 'BNCGPP75C41F205S', cognome: 'Bianchi', nome: 'Giuseppina' };
const PHP_WORKER = { cf: 'VRDLGU62T10L219V', cognome: 'Verdi', nome: 'Luigi' };
// Small enough that an oversized note is cheap to send, large enough for any real request.
const BODY_LIMIT = 64 * 1024;
// Non-ASCII text in both directions: the note goes out, Italian error messages come back.
const NOTE = 'Febbre, cefalea e astenia: è influenza';
const INSTALL_HINT = 'run: apt-get install -y --no-install-recommends python3-zeep php-cli php-soap (or bash .ci/install-test-deps.sh)';

let gw: Running;
let wsdlUrl: string;
let pincode: string;

before(async () => {
  gw = await startGateway({ SAC_BODY_LIMIT: String(BODY_LIMIT), ...NO_RESUBMISSION_DETECTION });
  gw.clock.set(NOW);
  wsdlUrl = `${gw.endpoint}?wsdl`;
  // A client gets the encryption certificate from the gateway too.
  const pem = await fetch(`${gw.url}/CertServiceWeb/SanitelCF.pem`);
  assert.equal(pem.status, 200);
  pincode = encryptField(await pem.text(), DEMO.medico.pincode);
});
after(async () => gw.stop());

/** Checks the payload a toolkit sent: root in the cert namespace, every descendant in no namespace. */
function assertWireShape(sentXml: string, rootName: string): void {
  const doc = XmlDocument.fromString(sentXml);
  try {
    const root = doc.get('//*[local-name()="Envelope"]/*[local-name()="Body"]/*') as XmlElement | null;
    assert.ok(root, `no payload in ${sentXml.slice(0, 300)}`);
    assert.equal(root.name, rootName);
    assert.equal(root.namespaceUri, CERT_NS, 'payload root not in the cert namespace');
    const descendants = root.find('.//*');
    assert.ok(descendants.length > 2, 'payload has no children');
    const qualified = root.find('.//*[namespace-uri() != ""]').map((e) => (e as XmlElement).name);
    assert.deepEqual(qualified, [], 'children must be unqualified (elementFormDefault="unqualified")');
  } finally {
    doc.dispose();
  }
}

interface ErroreOut {
  tipoErrore: string;
  sezioneErrata: string;
  descrizione: string;
}

/** A repeated element may come back as one object or as a list, depending on the toolkit. */
function asList<T>(value: T | T[] | undefined | null): T[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function assertDataFineError(errors: ErroreOut[]): void {
  const hit = errors.find((e) => e.tipoErrore === '4002');
  assert.ok(hit, `expected error 4002, got ${JSON.stringify(errors)}`);
  assert.equal(hit.sezioneErrata, 'malattia/dataInizio');
  // The Italian message survives the trip (UTF-8 decoded by the client).
  assert.match(hit.descrizione, /è successiva/);
}

function assertStoredNote(idCertificato: string, worker = WORKER): void {
  const stored = gw.gateway.store.getCertificate(idCertificato);
  assert.ok(stored, `certificate ${idCertificato} not stored`);
  assert.equal(stored.medicoCf, DEMO.medico.user);
  assert.equal(stored.lavoratoreCf, worker);
  assert.equal(stored.document.malattia?.diagnosi.noteDiagnosi, NOTE);
}

function malattia(dataFine: string, noteDiagnosi = NOTE): Record<string, unknown> {
  return {
    ruoloMedico: 'S',
    dataRilascio: TODAY,
    dataInizio: TODAY,
    dataFine,
    visita: 'A',
    tipoCertificato: 'I',
    diagnosi: { codiceDiagnosi: '487.1', noteDiagnosi },
  };
}

/** The fault for a request over the size limit, as a toolkit reports faultcode and faultstring. */
function assertTooLarge(faultcode: unknown, faultstring: unknown): void {
  assert.match(String(faultcode), /(^|:)Client$/);
  assert.match(String(faultstring), new RegExp(`Richiesta troppo grande: il limite è di ${BODY_LIMIT} byte`));
}

interface HitOut {
  idCertificato: string;
  annullato: unknown;
  malattia: { dataRilascio: string; dataInizio: string; dataFine: string; visita: string; tipoCertificato: string };
}

/**
 * ricevutaOkRicercaMalattia.datiCertificato as a toolkit exposes it: it must
 * be a real list, one element included (a bare object would make a vendor's
 * loop walk the fields of the only hit), holding exactly the PUCs expected.
 */
function assertHits(ok: { datiCertificato?: unknown } | undefined, expected: string[]): HitOut[] {
  assert.ok(ok, 'RicercaMalattia answered no ricevutaOkRicercaMalattia');
  assert.ok(Array.isArray(ok.datiCertificato), `datiCertificato is not a list: ${JSON.stringify(ok.datiCertificato)}`);
  const hits = ok.datiCertificato as HitOut[];
  assert.deepEqual(hits.map((h) => h.idCertificato).sort(), [...expected].sort());
  for (const hit of hits) {
    // zeep and PHP keep the booleanString as text; whatever the type, it reads false.
    assert.equal(String(hit.annullato), 'false');
    assert.deepEqual(
      { ...hit.malattia },
      { dataRilascio: TODAY, dataInizio: TODAY, dataFine: TODAY, visita: 'A', tipoCertificato: 'I' },
    );
  }
  return hits;
}

describe('node-soap', () => {
  let client: soap.Client;
  /** PUCs node-soap got for WORKER, which only this toolkit certifies. */
  const sentHere: string[] = [];

  before(async () => {
    client = await soap.createClientAsync(wsdlUrl);
    client.setSecurity(new soap.BasicAuthSecurity(DEMO.medico.user, DEMO.medico.password));
  });

  test('builds every operation of the WSDL and targets the served address', () => {
    const ops = Object.keys(client.describe().CertificatiMedici.CertificatiMedici).sort();
    assert.deepEqual(ops, [
      'AnnullaMalattia',
      'AnnullaRicovero',
      'InterrogazioneLavoratore',
      'InviaDimissione',
      'InviaMalattia',
      'InviaRicovero',
      'RettificaDimissione',
      'RettificaMalattia',
      'RicercaMalattia',
      'RistampaMalattia',
    ]);
    const port = (client as any).wsdl.definitions.services.CertificatiMedici.ports.CertificatiMedici;
    assert.equal(port.location, gw.endpoint);
  });

  test('InterrogazioneLavoratore returns the worker name', async () => {
    const [result, , , sent] = await client.InterrogazioneLavoratoreAsync({ medico: { pincode }, lavoratore: { codiceFiscale: WORKER } });
    assert.deepEqual(result.ricevutaOkInterrogazioneLavoratore, { cognome: 'Rossi', nome: 'Mario' });
    assert.equal(result.ricevutaNonOk, undefined);
    assertWireShape(sent, 'interrogazioneLavoratoreRequest');
    // Basic auth and the WSDL's soapAction went out as declared.
    assert.match(String(client.lastRequestHeaders?.Authorization), /^Basic /);
    assert.equal(client.lastRequestHeaders?.SOAPAction, '"http://ws.cert.sanita.finanze.it/InterrogazioneLavoratore"');
  });

  test('InviaMalattia is accepted and stored as sent', async () => {
    const [result, , , sent] = await client.InviaMalattiaAsync({
      medico: { pincode },
      lavoratore: { codiceFiscale: WORKER },
      residenza: defaultResidenza(),
      malattia: malattia(TODAY),
    });
    assert.equal(result.ricevutaNonOk, undefined, JSON.stringify(result.ricevutaNonOk));
    const ok = result.ricevutaOkInvioMalattia;
    assert.match(ok.idCertificato, /^[1-9][0-9]{9}$/);
    // node-soap turns xsd:dateTime into a Date.
    assert.ok(ok.dataRicezione instanceof Date);
    assert.equal(ok.dataRicezione.toISOString(), NOW);
    assertWireShape(sent, 'invioMalattiaRequest');
    assertStoredNote(ok.idCertificato);
    sentHere.push(ok.idCertificato);
  });

  test('a rule violation comes back in ricevutaNonOk.errore', async () => {
    const [result] = await client.InviaMalattiaAsync({
      medico: { pincode },
      lavoratore: { codiceFiscale: WORKER },
      residenza: defaultResidenza(),
      malattia: malattia('2026-11-24'),
    });
    assert.equal(result.ricevutaOkInvioMalattia, undefined);
    assertDataFineError(asList<ErroreOut>(result.ricevutaNonOk?.errore));
  });

  test('RicercaMalattia lists the certificate just sent, as a list of one, then of two', async () => {
    assert.equal(sentHere.length, 1, 'the InviaMalattia test ran first');
    const [one, , , sent] = await client.RicercaMalattiaAsync({ medico: { pincode }, lavoratore: { codiceFiscale: WORKER } });
    assert.equal(one.ricevutaNonOk, undefined, JSON.stringify(one.ricevutaNonOk));
    const [hit] = assertHits(one.ricevutaOkRicercaMalattia, sentHere);
    assert.ok((hit as any).dataRicezione instanceof Date);
    assert.equal((hit as any).dataRicezione.toISOString(), NOW);
    assertWireShape(sent, 'ricercaMalattiaRequest');

    const [again] = await client.InviaMalattiaAsync({
      medico: { pincode },
      lavoratore: { codiceFiscale: WORKER },
      residenza: defaultResidenza(),
      malattia: malattia(TODAY),
    });
    sentHere.push(again.ricevutaOkInvioMalattia.idCertificato);
    const [two] = await client.RicercaMalattiaAsync({
      medico: { pincode },
      lavoratore: { codiceFiscale: WORKER },
      dataInizioRicerca: TODAY,
      dataFineRicerca: TODAY,
    });
    assertHits(two.ricevutaOkRicercaMalattia, sentHere);
  });

  test('a request over the size limit is a soap:Client fault, and nothing is stored', async () => {
    const before = gw.gateway.store.countCertificates();
    const request = {
      medico: { pincode },
      lavoratore: { codiceFiscale: WORKER },
      residenza: defaultResidenza(),
      malattia: malattia(TODAY, 'x'.repeat(BODY_LIMIT + 1000)),
    };
    await assert.rejects(client.InviaMalattiaAsync(request), (err: any) => {
      assert.equal(err.response?.status, 500);
      const fault = err.root?.Envelope?.Body?.Fault;
      assertTooLarge(fault?.faultcode, fault?.faultstring);
      return true;
    });
    assert.equal(gw.gateway.store.countCertificates(), before);
  });

  test('wrong credentials are refused with HTTP 401', async () => {
    const other = await soap.createClientAsync(wsdlUrl);
    other.setSecurity(new soap.BasicAuthSecurity(DEMO.medico.user, 'not-the-password'));
    await assert.rejects(other.InterrogazioneLavoratoreAsync({ medico: { pincode }, lavoratore: { codiceFiscale: WORKER } }), (err: any) => {
      assert.equal(err.response?.status, 401);
      return true;
    });
  });
});

/** What the zeep and PHP scripts print: the same calls, the same shape. */
interface ScriptCall {
  result: Record<string, any>;
  sent: string;
}
interface ScriptOutput {
  interrogazione: ScriptCall;
  invio: ScriptCall;
  invioErrato: ScriptCall;
  /** RicercaMalattia after the first certificate, then after a second one. */
  ricerca: ScriptCall;
  invio2: ScriptCall;
  ricercaDue: ScriptCall;
  fault: { faultcode: string; faultstring: string } | null;
  serviceAddress?: string;
}

interface Worker {
  readonly cf: string;
  readonly cognome: string;
  readonly nome: string;
}

async function runScript(command: string, script: string, worker: Worker): Promise<ScriptOutput> {
  const args = [path.join(PROJECT_ROOT, 'test', 'clients', script), wsdlUrl, DEMO.medico.user, DEMO.medico.password, pincode, TODAY, worker.cf];
  // Asynchronous on purpose: the gateway answering the script runs in this very process.
  const { stdout } = await run(command, args, { encoding: 'utf8', timeout: 120_000, maxBuffer: 4 * 1024 * 1024 }).catch(
    (err: { stderr?: string; message: string }) => {
      throw new Error(`${script} failed: ${err.message}\n${err.stderr ?? ''}`);
    },
  );
  return JSON.parse(stdout) as ScriptOutput;
}

function checkScriptOutput(out: ScriptOutput, worker: Worker): void {
  assert.deepEqual(out.interrogazione.result.ricevutaOkInterrogazioneLavoratore, { cognome: worker.cognome, nome: worker.nome });
  assertWireShape(out.interrogazione.sent, 'interrogazioneLavoratoreRequest');

  const ok = out.invio.result.ricevutaOkInvioMalattia;
  assert.ok(ok, `InviaMalattia not accepted: ${JSON.stringify(out.invio.result)}`);
  assert.ok(!out.invio.result.ricevutaNonOk, JSON.stringify(out.invio.result.ricevutaNonOk));
  assert.match(ok.idCertificato, /^[1-9][0-9]{9}$/);
  // zeep prints a datetime ("2026-11-25 10:00:00+01:00"), PHP the lexical xsd:dateTime.
  assert.match(String(ok.dataRicezione), /^2026-11-25[T ]10:00:00(\.\d+)?\+01:00$/);
  assertWireShape(out.invio.sent, 'invioMalattiaRequest');
  assertStoredNote(ok.idCertificato, worker.cf);

  assert.ok(!out.invioErrato.result.ricevutaOkInvioMalattia);
  assertDataFineError(asList<ErroreOut>(out.invioErrato.result.ricevutaNonOk?.errore));

  // Only the first certificate exists when the first search runs: a list of one.
  assert.ok(!out.ricerca.result.ricevutaNonOk, JSON.stringify(out.ricerca.result.ricevutaNonOk));
  assertHits(out.ricerca.result.ricevutaOkRicercaMalattia, [ok.idCertificato]);
  assertWireShape(out.ricerca.sent, 'ricercaMalattiaRequest');
  const second = out.invio2.result.ricevutaOkInvioMalattia;
  assert.ok(second, `second InviaMalattia not accepted: ${JSON.stringify(out.invio2.result)}`);
  assertHits(out.ricercaDue.result.ricevutaOkRicercaMalattia, [ok.idCertificato, second.idCertificato]);
  assertWireShape(out.ricercaDue.sent, 'ricercaMalattiaRequest');

  assert.ok(out.fault, 'the oversized InviaMalattia should have raised a SOAP fault');
  assertTooLarge(out.fault.faultcode, out.fault.faultstring);
  // The oversized request stored nothing: the worker has the two certificates only.
  const stored = gw.gateway.store.findCertificates({ medicoCf: DEMO.medico.user, lavoratoreCf: worker.cf, kind: 'malattia', fromDay: TODAY, toDay: TODAY });
  assert.equal(stored.length, 2);
}

/** The first interpreter that can load the toolkit; Debian's python3 first, since python3-zeep installs there. */
async function findWorking(candidates: string[][], what: string): Promise<string> {
  const tried: string[] = [];
  for (const [command, ...probe] of candidates) {
    try {
      await run(command!, probe, { timeout: 60_000 });
      return command!;
    } catch (err) {
      tried.push(`${command}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  assert.fail(`${what} is not installed; ${INSTALL_HINT}\n${tried.join('\n')}`);
}

describe('zeep (Python)', () => {
  test('InterrogazioneLavoratore, InviaMalattia, a rule violation, RicercaMalattia and a fault', async () => {
    const python = await findWorking(
      [
        ['/usr/bin/python3', '-c', 'import zeep'],
        ['python3', '-c', 'import zeep'],
      ],
      'python3-zeep',
    );
    const out = await runScript(python, 'zeep_client.py', ZEEP_WORKER);
    assert.equal(out.serviceAddress, gw.endpoint);
    checkScriptOutput(out, ZEEP_WORKER);
  });
});

describe('php-soap (SoapClient)', () => {
  test('InterrogazioneLavoratore, InviaMalattia, a rule violation, RicercaMalattia and a fault', async () => {
    const php = await findWorking([['php', '-r', 'exit(class_exists("SoapClient") ? 0 : 1);']], 'php-soap (php-cli + php-soap)');
    checkScriptOutput(await runScript(php, 'php_client.php', PHP_WORKER), PHP_WORKER);
  });
});
