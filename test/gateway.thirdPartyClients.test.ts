/**
 * Third-party SOAP toolkits, each generating its client at run time from the
 * WSDL URL the gateway serves (no local copy, no edits), live the whole life of
 * a certificate the way a vendor's software would: node-soap in process, zeep
 * (Python), PHP's SoapClient and Java JAX-WS (wsimport + javac + java) as child
 * processes, one run per lifecycle. Each one: InterrogazioneLavoratore,
 * InviaMalattia, a rule violation read from ricevutaNonOk, RicercaMalattia (a
 * list of one), RistampaMalattia, RettificaMalattia, AnnullaMalattia,
 * RicercaMalattia again, InviaRicovero (as the structure's operatore),
 * InviaDimissione (as the structure's doctor), a genuine SOAP fault (a request
 * over the size limit) and a wrong password (HTTP 401, as the toolkit reports
 * it). Free text carries accented letters that must come back byte-exact from
 * RistampaMalattia and RettificaMalattia and be stored as sent; zeep also sends
 * them as ISO-8859-1 on the wire, PHP also from a Latin-1 application.
 *
 * Each toolkit certifies its own worker, so every search has a known answer.
 * A missing toolkit is a skip naming the apt-get command, except under CI
 * (CI set and not "false"/"0"): there it fails, CI never skips a client.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { XmlDocument, type XmlElement } from 'libxml2-wasm';
import soap from 'soap';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { PROJECT_ROOT } from '../src/contract/files.js';
import { checkCharacter } from '../src/domain/codiceFiscale.js';
import type { Person } from '../src/store/port.js';
import { NO_RESUBMISSION_DETECTION, startGateway, tempDir, type Running } from './support/gateway.js';
import { DEMO } from './support/soapClient.js';
import { IN_CI } from './support/ci.js';

const run = promisify(execFile);

// 10:00 in Rome on 25 November 2026: the gateway's "today" is TODAY.
const NOW = '2026-11-25T09:00:00.000Z';
const TODAY = '2026-11-25';
const FINE = '2026-11-30';
/** RettificaMalattia may only bring the end earlier. */
const RETTIFICA_FINE = '2026-11-27';
const DATA_RICOVERO = '2026-11-20';
const CERT_NS = 'http://cert.sanita.finanze.it/';
// Small enough that an oversized note is cheap to send, large enough for any real request.
const BODY_LIMIT = 64 * 1024;
const OVERSIZE = BODY_LIMIT + 1000;
/** The accented texts every client script sends (as literals of its own source), byte for byte. */
const INTEROP_TEXT = {
  note: 'Febbre alta, più tosse la sera: perché non passa? Riposo in città.',
  via: 'Via della Città più Alta',
  noteDimissione: 'Dimesso: più riposo a casa, perché convalescente.',
} as const;
/** Generous bounds for a child toolkit (a JVM start-up, wsimport, javac on a busy 2-core machine). */
const CHILD_TIMEOUT_MS = 180_000;

interface Worker {
  readonly cf: string;
  readonly cognome: string;
  readonly nome: string;
}
const cf = (first15: string): string => first15 + checkCharacter(first15);
/** Registry persons the demo set does not have, with accented names that come back from InterrogazioneLavoratore and RistampaMalattia. */
// Registry names in the contract's form (cognome/nome: [a-zA-Z ']*, as the registry import writes them:
// an accented letter is the letter and an apostrophe), so every receipt stays valid; accents travel in free text.
const EXTRA: Person[] = [
  { codiceFiscale: cf('DLANCL80A01H501'), cognome: "D'Alo'", nome: "Niccolo'", sesso: 'M', dataNascita: '1980-01-01', comuneNascita: 'Roma', provinciaNascita: 'RM' },
  { codiceFiscale: cf('CRTMSO75B02F205'), cognome: "Carita'", nome: "Mose'", sesso: 'M', dataNascita: '1975-02-02', comuneNascita: 'Milano', provinciaNascita: 'MI' },
  { codiceFiscale: cf('FRLGLI70C43L219'), cognome: "Forli'", nome: "Gioe'", sesso: 'F', dataNascita: '1970-03-03', comuneNascita: 'Torino', provinciaNascita: 'TO' },
];
const worker = (p: Person): Worker => ({ cf: p.codiceFiscale, cognome: p.cognome, nome: p.nome });
const WORKERS = {
  nodeSoap: { cf: 'RSSMRA80A01H501U', cognome: 'Rossi', nome: 'Mario' },
  zeep: { cf: 'BNCGPP75C41F205S', cognome: 'Bianchi', nome: 'Giuseppina' },
  php: { cf: 'VRDLGU62T10L219V', cognome: 'Verdi', nome: 'Luigi' },
  java: worker(EXTRA[0]!),
  zeepLatin1: worker(EXTRA[1]!),
  phpLatin1: worker(EXTRA[2]!),
} satisfies Record<string, Worker>;

let gw: Running;
let wsdlUrl: string;
let pincode: string;

before(async () => {
  gw = await startGateway({ SAC_BODY_LIMIT: String(BODY_LIMIT), ...NO_RESUBMISSION_DETECTION });
  gw.clock.set(NOW);
  await gw.gateway.store.putPersons(EXTRA);
  wsdlUrl = `${gw.endpoint}?wsdl`;
  // A client gets the encryption certificate from the gateway too.
  const pem = await fetch(`${gw.url}/CertServiceWeb/SanitelCF.pem`);
  assert.equal(pem.status, 200);
  pincode = encryptField(await pem.text(), DEMO.medico.pincode);
});
after(async () => gw.stop());

// ---------------------------------------------------------------- what every toolkit reports

interface ErroreOut {
  tipoErrore: string;
  sezioneErrata: string;
  descrizione: string;
}
interface HitOut {
  idCertificato: string;
  annullato: unknown;
  dataFine: string;
}
type Refused = { errors: ErroreOut[] };
/**
 * One lifecycle as a toolkit lived it, in one shape for all: each step's
 * outcome as the toolkit returned it (or the ricevutaNonOk errors it got
 * instead), and the InviaMalattia XML it put on the wire.
 */
interface Lifecycle {
  serviceAddress?: string;
  interrogazione: { cognome: string; nome: string } | Refused;
  invio: { idCertificato: string; dataRicezione: string } | Refused;
  sentInvio: string;
  sentInvioDeclaration?: string;
  sentInvioHasLatin1Bytes?: boolean;
  nonOk: { accepted: boolean; errors: ErroreOut[] };
  ricerca: { hits: HitOut[]; errors: ErroreOut[] };
  ristampa: ({ cognome: string; nome: string; via: string; noteDiagnosi: string; dataFine: string; sameBytesAsSent?: boolean }) | Refused;
  rettifica: { idCertificato: string; dataFine: string; noteDiagnosi: string; via: string } | Refused;
  annullamento: { idAnnullamento: string } | Refused;
  ricercaFinale: { hits: HitOut[]; errors: ErroreOut[] };
  ricovero: { idInizioRicovero: string } | Refused;
  dimissione: { idCertificato: string; idInizioRicovero: string } | Refused;
  fault: { faultcode: string; faultstring: string } | null;
  wrongPassword: string | null;
}

/** The step's positive outcome, or a failure naming the errors the gateway answered instead. */
function ok<T extends object>(step: string, value: T | Refused): T {
  assert.ok(!('errors' in value), `${step} refused: ${JSON.stringify(value)}`);
  return value as T;
}

const PUC = /^[1-9][0-9]{0,9}$/;

/** Checks the payload a toolkit sent: root in the cert namespace, every descendant in no namespace. */
function assertWireShape(sentXml: string, rootName: string): void {
  const doc = XmlDocument.fromString(sentXml.replace(/^<\?xml[^>]*\?>\s*/, ''));
  try {
    const root = doc.get('//*[local-name()="Envelope"]/*[local-name()="Body"]/*') as XmlElement | null;
    assert.ok(root, `no payload in ${sentXml.slice(0, 300)}`);
    assert.equal(root.name, rootName);
    assert.equal(root.namespaceUri, CERT_NS, 'payload root not in the cert namespace');
    assert.ok(root.find('.//*').length > 2, 'payload has no children');
    const qualified = root.find('.//*[namespace-uri() != ""]').map((e) => (e as XmlElement).name);
    assert.deepEqual(qualified, [], 'children must be unqualified (elementFormDefault="unqualified")');
  } finally {
    doc.dispose();
  }
}

/** Every hit of a search, keyed by PUC, with annullato as text (zeep, PHP and Java keep the booleanString as text). */
function hitsById(hits: HitOut[]): Record<string, { annullato: string; dataFine: string }> {
  assert.ok(Array.isArray(hits), `the hits are not a list: ${JSON.stringify(hits)}`);
  return Object.fromEntries(hits.map((h) => [h.idCertificato, { annullato: String(h.annullato), dataFine: h.dataFine }]));
}

async function checkLifecycle(out: Lifecycle, who: Worker): Promise<void> {
  if (out.serviceAddress !== undefined) assert.equal(out.serviceAddress, gw.endpoint);
  const store = gw.gateway.store;

  assert.deepEqual(ok('InterrogazioneLavoratore', out.interrogazione), { cognome: who.cognome, nome: who.nome });

  const invio = ok('InviaMalattia', out.invio);
  assert.match(invio.idCertificato, PUC);
  // zeep prints "2026-11-25T10:00:00+01:00", PHP and Java the lexical xsd:dateTime, node-soap a Date (UTC).
  assert.match(String(invio.dataRicezione), /^(2026-11-25[T ]10:00:00(\.\d+)?\+01:00|2026-11-25T09:00:00\.000Z)$/);
  assertWireShape(out.sentInvio, 'invioMalattiaRequest');
  const stored = await store.getCertificate(invio.idCertificato);
  assert.ok(stored, `certificate ${invio.idCertificato} not stored`);
  assert.equal(stored.medicoCf, DEMO.medico.user);
  assert.equal(stored.lavoratoreCf, who.cf);
  // Stored as sent, whatever the charset on the wire.
  assert.equal(stored.document.malattia?.diagnosi.noteDiagnosi, INTEROP_TEXT.note);
  assert.equal(stored.document.residenza.via, INTEROP_TEXT.via);

  assert.equal(out.nonOk.accepted, false, 'the rule violation was accepted');
  const hit = out.nonOk.errors.find((e) => e.tipoErrore === '4002');
  assert.ok(hit, `expected tipoErrore 4002, got ${JSON.stringify(out.nonOk.errors)}`);
  assert.equal(hit.sezioneErrata, 'malattia/dataInizio');
  // The Italian message survives the trip back.
  assert.match(hit.descrizione, /è successiva/);

  // Only the first certificate exists when the first search runs: a list of one.
  assert.deepEqual(out.ricerca.errors, []);
  assert.deepEqual(hitsById(out.ricerca.hits), { [invio.idCertificato]: { annullato: 'false', dataFine: FINE } });

  const ristampa = ok('RistampaMalattia', out.ristampa);
  assert.equal(ristampa.cognome, who.cognome);
  assert.equal(ristampa.nome, who.nome);
  assert.equal(ristampa.noteDiagnosi, INTEROP_TEXT.note);
  assert.equal(ristampa.via, INTEROP_TEXT.via);
  assert.equal(ristampa.dataFine, FINE);
  if (ristampa.sameBytesAsSent !== undefined) assert.equal(ristampa.sameBytesAsSent, true, 'the reprint differs from what the application sent, in its own charset');

  const rettifica = ok('RettificaMalattia', out.rettifica);
  assert.match(rettifica.idCertificato, PUC);
  assert.notEqual(rettifica.idCertificato, invio.idCertificato);
  assert.equal(rettifica.dataFine, RETTIFICA_FINE);
  assert.equal(rettifica.noteDiagnosi, INTEROP_TEXT.note);
  assert.equal(rettifica.via, INTEROP_TEXT.via);
  assert.equal((await store.getCertificate(rettifica.idCertificato))?.rettificaDi, invio.idCertificato);
  assert.equal((await store.getCertificate(invio.idCertificato))?.state, 'rettificato');

  const annullamento = ok('AnnullaMalattia', out.annullamento);
  assert.match(annullamento.idAnnullamento, PUC);
  const cancelled = await store.getCertificate(rettifica.idCertificato);
  assert.equal(cancelled?.state, 'annullato');
  assert.equal(cancelled?.idAnnullamento, annullamento.idAnnullamento);

  assert.deepEqual(out.ricercaFinale.errors, []);
  assert.deepEqual(hitsById(out.ricercaFinale.hits), {
    [invio.idCertificato]: { annullato: 'false', dataFine: FINE },
    [rettifica.idCertificato]: { annullato: 'true', dataFine: RETTIFICA_FINE },
  });

  const ricovero = ok('InviaRicovero', out.ricovero);
  assert.match(ricovero.idInizioRicovero, PUC);
  const admission = await store.getRicovero(ricovero.idInizioRicovero);
  assert.equal(admission?.operatoreCf, DEMO.operatore.user);
  assert.equal(admission?.lavoratoreCf, who.cf);
  assert.equal(admission?.document.residenza.via, INTEROP_TEXT.via);

  const dimissione = ok('InviaDimissione', out.dimissione);
  assert.equal(dimissione.idInizioRicovero, ricovero.idInizioRicovero);
  assert.match(dimissione.idCertificato, PUC);
  const discharge = await store.getCertificate(dimissione.idCertificato);
  assert.equal(discharge?.kind, 'dimissione');
  assert.equal(discharge?.idInizioRicovero, ricovero.idInizioRicovero);
  assert.equal(discharge?.document.dimissione?.diagnosi.noteDiagnosi, INTEROP_TEXT.noteDimissione);

  assert.ok(out.fault, 'the oversized InviaMalattia should have raised a SOAP fault');
  assert.match(String(out.fault.faultcode), /(^|:)Client$/);
  assert.match(String(out.fault.faultstring), new RegExp(`^Richiesta troppo grande: il limite è di ${BODY_LIMIT} byte`));
  assert.ok(out.wrongPassword, 'a wrong password was let in');
  assert.match(out.wrongPassword, /\b401\b|Unauthorized/);

  // Neither the rule violation nor the oversized request stored anything: the two sickness certificates only.
  const certificates = await store.findCertificates({ medicoCf: DEMO.medico.user, lavoratoreCf: who.cf, kind: 'malattia', fromDay: TODAY, toDay: TODAY });
  assert.deepEqual(certificates.map((c) => c.idCertificato).sort(), [invio.idCertificato, rettifica.idCertificato].sort());
}

// ---------------------------------------------------------------- toolkits that may be missing

const INSTALL_ALL = 'bash .ci/install-test-deps.sh';

/**
 * The first command that works, or: a skip naming the install command for a
 * contributor, a failure under CI (where .ci/install-test-deps.sh installed it).
 */
async function requireTool(t: TestContext, what: string, packages: string, candidates: string[][]): Promise<string | undefined> {
  const tried: string[] = [];
  for (const [command, ...probe] of candidates) {
    try {
      await run(command!, probe, { timeout: 60_000 });
      return command!;
    } catch (err) {
      tried.push(`${command}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  const message = `${what} is not installed: run \`apt-get install -y --no-install-recommends ${packages}\` (every client at once: \`${INSTALL_ALL}\`)`;
  if (IN_CI) assert.fail(`${message}\nCI is set: a missing client fails, it is never skipped.\n${tried.join('\n')}`);
  t.skip(message);
  return undefined;
}

/** The arguments every client script takes, in this order. */
function scriptArgs(who: Worker): string[] {
  return [
    wsdlUrl,
    DEMO.medico.user,
    DEMO.medico.password,
    pincode,
    DEMO.operatore.user,
    DEMO.operatore.password,
    who.cf,
    TODAY,
    FINE,
    RETTIFICA_FINE,
    DATA_RICOVERO,
    String(OVERSIZE),
  ];
}

/** Runs a child toolkit; asynchronous on purpose: the gateway answering it runs in this very process. */
async function runChild(command: string, args: string[], what: string, cwd?: string): Promise<string> {
  const { stdout } = await run(command, args, { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, maxBuffer: 8 * 1024 * 1024, cwd }).catch(
    (err: { stderr?: string; message: string }) => {
      throw new Error(`${what} failed: ${err.message}\n${(err.stderr ?? '').slice(-4000)}`);
    },
  );
  return stdout;
}

// ---------------------------------------------------------------- node-soap

describe('node-soap', () => {
  let client: soap.Client;

  before(async () => {
    client = await soap.createClientAsync(wsdlUrl);
    client.setSecurity(new soap.BasicAuthSecurity(DEMO.medico.user, DEMO.medico.password));
  });

  test('builds every operation of the WSDL, targets the served address, sends the declared SOAPAction', async () => {
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
    const [, , , sent] = await client.InterrogazioneLavoratoreAsync({ medico: { pincode }, lavoratore: { codiceFiscale: WORKERS.nodeSoap.cf } });
    assertWireShape(sent, 'interrogazioneLavoratoreRequest');
    assert.match(String(client.lastRequestHeaders?.Authorization), /^Basic /);
    assert.equal(client.lastRequestHeaders?.SOAPAction, '"http://ws.cert.sanita.finanze.it/InterrogazioneLavoratore"');
  });

  test('the whole life of a certificate, with accented text, a ricevutaNonOk, a fault and a wrong password', async () => {
    const who = WORKERS.nodeSoap;
    const medico = { pincode };
    const lavoratore = { codiceFiscale: who.cf };
    const residenza = { via: INTEROP_TEXT.via, civico: '10', cap: '00184', codiceCatastale: 'H501', comune: 'Roma', provincia: 'RM' };
    const struttura = { codiceRegione: '120', codiceAsl: '201', codiceStruttura: '120901' };
    const malattia = (dataFine: string, noteDiagnosi: string = INTEROP_TEXT.note) => ({
      ruoloMedico: 'S',
      dataRilascio: TODAY,
      dataInizio: TODAY,
      dataFine,
      visita: 'A',
      tipoCertificato: 'I',
      diagnosi: { codiceDiagnosi: '487.1', noteDiagnosi },
    });
    const errors = (r: any): ErroreOut[] => {
      const list = r?.ricevutaNonOk?.errore;
      return list === undefined ? [] : Array.isArray(list) ? list : [list];
    };
    const hits = (r: any): HitOut[] => {
      const list = r?.ricevutaOkRicercaMalattia?.datiCertificato;
      // node-soap: a repeated element is a list, one hit included (a bare object would fail hitsById).
      return (list ?? []).map((d: any) => ({ idCertificato: d.idCertificato, annullato: d.annullato, dataFine: d.malattia?.dataFine }));
    };
    const step = <T>(r: any, okName: string, pick: (v: any) => T): T | Refused => (r[okName] ? pick(r[okName]) : { errors: errors(r) });

    const [q] = await client.InterrogazioneLavoratoreAsync({ medico, lavoratore });
    const [inv, , , sentInvio] = await client.InviaMalattiaAsync({ medico, lavoratore, residenza, malattia: malattia(FINE) });
    const puc: string = inv.ricevutaOkInvioMalattia?.idCertificato;
    const [bad] = await client.InviaMalattiaAsync({ medico, lavoratore, residenza, malattia: malattia('2000-01-01') });
    const [s1] = await client.RicercaMalattiaAsync({ medico, lavoratore });
    const [p] = await client.RistampaMalattiaAsync({ medico, lavoratore, idCertificato: puc });
    const [rt] = await client.RettificaMalattiaAsync({ medico, lavoratore, idCertificato: puc, dataFine: RETTIFICA_FINE });
    const [an] = await client.AnnullaMalattiaAsync({ medico, lavoratore, idCertificato: rt.ricevutaOkRettificaMalattia?.idCertificato });
    const [s2] = await client.RicercaMalattiaAsync({ medico, lavoratore });
    const operator = await soap.createClientAsync(wsdlUrl);
    operator.setSecurity(new soap.BasicAuthSecurity(DEMO.operatore.user, DEMO.operatore.password));
    const [ric] = await operator.InviaRicoveroAsync({ operatore: struttura, lavoratore, residenza, ricovero: { dataRicovero: DATA_RICOVERO } });
    const [dim] = await client.InviaDimissioneAsync({
      medico: { ...medico, ...struttura },
      lavoratore,
      idInizioRicovero: ric.ricevutaOkInvioRicovero?.idInizioRicovero,
      residenza,
      dimissione: {
        ruoloMedico: 'S',
        dataRicovero: DATA_RICOVERO,
        dataDimissione: TODAY,
        dataFine: FINE,
        tipoCertificato: 'I',
        tipoRicovero: 'R',
        diagnosi: { codiceDiagnosi: '486', noteDiagnosi: INTEROP_TEXT.noteDimissione },
      },
    });
    let fault: Lifecycle['fault'] = null;
    await client.InviaMalattiaAsync({ medico, lavoratore, residenza, malattia: malattia(FINE, 'x'.repeat(OVERSIZE)) }).catch((err: any) => {
      assert.equal(err.response?.status, 500);
      const f = err.root?.Envelope?.Body?.Fault;
      fault = { faultcode: f?.faultcode, faultstring: f?.faultstring };
    });
    const intruder = await soap.createClientAsync(wsdlUrl);
    intruder.setSecurity(new soap.BasicAuthSecurity(DEMO.medico.user, 'not-the-password'));
    let wrongPassword: string | null = null;
    await intruder.InterrogazioneLavoratoreAsync({ medico, lavoratore }).catch((err: any) => {
      wrongPassword = `HTTP ${err.response?.status}`;
    });

    await checkLifecycle(
      {
        interrogazione: step(q, 'ricevutaOkInterrogazioneLavoratore', (v) => ({ cognome: v.cognome, nome: v.nome })),
        // node-soap turns xsd:dateTime into a Date.
        invio: step(inv, 'ricevutaOkInvioMalattia', (v) => ({ idCertificato: v.idCertificato, dataRicezione: (v.dataRicezione as Date).toISOString() })),
        sentInvio,
        nonOk: { accepted: bad.ricevutaOkInvioMalattia !== undefined, errors: errors(bad) },
        ricerca: { hits: hits(s1), errors: errors(s1) },
        ristampa: step(p, 'ricevutaOkRistampaMalattia', (v) => ({
          cognome: v.lavoratore.cognome,
          nome: v.lavoratore.nome,
          via: v.residenza.via,
          noteDiagnosi: v.malattia.diagnosi.noteDiagnosi,
          dataFine: v.malattia.dataFine,
        })),
        rettifica: step(rt, 'ricevutaOkRettificaMalattia', (v) => ({
          idCertificato: v.idCertificato,
          dataFine: v.malattia.dataFine,
          noteDiagnosi: v.malattia.diagnosi.noteDiagnosi,
          via: v.residenza.via,
        })),
        annullamento: step(an, 'ricevutaOkAnnullamentoMalattia', (v) => ({ idAnnullamento: v.idAnnullamento })),
        ricercaFinale: { hits: hits(s2), errors: errors(s2) },
        ricovero: step(ric, 'ricevutaOkInvioRicovero', (v) => ({ idInizioRicovero: v.idInizioRicovero })),
        dimissione: step(dim, 'ricevutaOkInvioDimissione', (v) => ({ idCertificato: v.idCertificato, idInizioRicovero: v.idInizioRicovero })),
        fault,
        wrongPassword,
      },
      who,
    );
  });
});

// ---------------------------------------------------------------- zeep (Python)

describe('zeep (Python)', () => {
  const python = ['/usr/bin/python3', 'python3'].map((p) => [p, '-c', 'import zeep']);

  for (const [charset, who] of [
    ['UTF-8', WORKERS.zeep],
    ['ISO-8859-1', WORKERS.zeepLatin1],
  ] as const) {
    test(`the whole life of a certificate, requests in ${charset} on the wire`, async (t) => {
      // Debian's python3 first: python3-zeep installs there, a pyenv/venv python3 earlier in PATH does not see it.
      const interpreter = await requireTool(t, 'python3-zeep', 'python3-zeep', python);
      if (interpreter === undefined) return;
      const stdout = await runChild(interpreter, [path.join(PROJECT_ROOT, 'test', 'clients', 'zeep_client.py'), ...scriptArgs(who), charset], 'zeep_client.py');
      const out = JSON.parse(stdout) as Lifecycle;
      await checkLifecycle(out, who);
      if (charset === 'ISO-8859-1') {
        assert.match(out.sentInvioDeclaration ?? '', /encoding=['"]ISO-8859-1['"]/);
        assert.equal(out.sentInvioHasLatin1Bytes, true, 'the accented letters did not go out as ISO-8859-1 bytes');
      } else {
        assert.match(out.sentInvioDeclaration ?? '', /encoding=['"]utf-8['"]/i);
      }
    });
  }
});

// ---------------------------------------------------------------- PHP SoapClient

describe('php-soap (SoapClient)', () => {
  const php = [['php', '-r', 'exit(class_exists("SoapClient") && function_exists("iconv") ? 0 : 1);']];

  for (const [charset, who] of [
    ['UTF-8', WORKERS.php],
    ['ISO-8859-1', WORKERS.phpLatin1],
  ] as const) {
    test(`the whole life of a certificate, the application's strings in ${charset}`, async (t) => {
      const command = await requireTool(t, 'php-soap (php-cli + php-soap)', 'php-cli php-soap', php);
      if (command === undefined) return;
      const stdout = await runChild(command, [path.join(PROJECT_ROOT, 'test', 'clients', 'php_client.php'), ...scriptArgs(who), charset], 'php_client.php');
      const out = JSON.parse(stdout) as Lifecycle & { functions: number };
      assert.equal(out.functions, 10);
      await checkLifecycle(out, who);
      // SoapClient's "encoding" is the application's charset: on the wire it always speaks UTF-8.
      assert.match(out.sentInvioDeclaration ?? '', /encoding="UTF-8"/);
      assert.equal(out.sentInvioHasLatin1Bytes, false);
    });
  }
});

// ---------------------------------------------------------------- Java JAX-WS

describe('Java JAX-WS (wsimport, javac, java)', () => {
  /** Debian's jaxws puts the runtime here; its manifest's Class-Path brings the rest (JAXB, SAAJ, ...). */
  const JAXWS_RT = ['/usr/share/jaxws/lib/jaxws-rt.jar', '/usr/share/java/jaxws-rt.jar'];
  const work = tempDir('sac-jaxws-');
  after(() => rmSync(work, { recursive: true, force: true }));

  test('wsimport from the served WSDL, compiled and run: the whole life of a certificate', async (t) => {
    const wsimport = await requireTool(t, 'wsimport (Debian jaxws)', 'jaxws', [['wsimport', '-version']]);
    if (wsimport === undefined) return;
    const javac = await requireTool(t, 'a JDK (javac)', 'default-jdk-headless', [['javac', '-version']]);
    if (javac === undefined) return;
    const runtime = JAXWS_RT.find((jar) => existsSync(jar));
    if (runtime === undefined) {
      const message = `the JAX-WS runtime (${JAXWS_RT.join(' or ')}) is missing: apt-get install -y --no-install-recommends jaxws`;
      if (IN_CI) assert.fail(message);
      t.skip(message);
      return;
    }
    // A fresh directory for every run: nothing generated or compiled earlier can hide a failure.
    const src = path.join(work, 'src');
    const classes = path.join(work, 'classes');
    mkdirSync(src, { recursive: true });
    mkdirSync(classes, { recursive: true });
    await runChild(wsimport, ['-Xnocompile', '-quiet', '-s', src, '-d', classes, '-p', 'interop.ws', wsdlUrl], 'wsimport');
    const generated = readdirSync(path.join(src, 'interop', 'ws')).filter((f) => f.endsWith('.java'));
    // The service interface and the port's service class come from the WSDL, the rest from its XSD.
    for (const expected of ['CertificatiMedici.java', 'CertificatiMedici_Service.java', 'InvioMalattiaRequest.java', 'RicevutaNonOk.java']) {
      assert.ok(generated.includes(expected), `wsimport did not generate ${expected}: ${generated.join(', ')}`);
    }
    copyFileSync(path.join(PROJECT_ROOT, 'test', 'clients', 'JaxwsClient.java'), path.join(src, 'JaxwsClient.java'));
    const sources = [path.join(src, 'JaxwsClient.java'), ...generated.map((f) => path.join(src, 'interop', 'ws', f))];
    await runChild(javac, ['-encoding', 'UTF-8', '-nowarn', '-cp', runtime, '-d', classes, ...sources], 'javac');
    // One JVM for the whole lifecycle: its start-up is the slow part.
    const stdout = await runChild('java', ['-cp', `${classes}${path.delimiter}${runtime}`, 'JaxwsClient', ...scriptArgs(WORKERS.java)], 'java JaxwsClient');
    await checkLifecycle(JSON.parse(stdout) as Lifecycle, WORKERS.java);
  });
});
