/**
 * The two new kinds of user (issue 12, point 2): datore (an employer,
 * username its 11-digit codice fiscale) and lavoratore (a worker, username
 * their codice fiscale), against a real gateway on a loopback port:
 *  - they authenticate with HTTP Basic like every other user (the demo ones,
 *    and ones added with the real `sac-gateway users add` binary while the
 *    gateway runs); a wrong password is a 401 as for anyone;
 *  - every one of the ten CertificatiMedici operations refuses both kinds
 *    with the existing authorization answer, ricevutaNonOk 2009 alone on the
 *    operation's sender section, even naming a real certificate or admission
 *    of the worker himself; nothing is stored and nothing is read;
 *  - `users add` checks their usernames and refuses codes and pincodes;
 *  - SAC_RATE_LIMITS and SAC_TIME_BANDS take the new kinds (default 10/s:50).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { loadConfig } from '../src/config.js';
import { OPERATIONS, soapActionOf, type OperationName } from '../src/contract/operations.js';
import { exampleEnvelope, PLACEHOLDERS } from '../src/http/landing.js';
import { adminCli, type AdminRun } from './support/adminCli.js';
import { assertErrors } from './support/assertions.js';
import { NOW, pinnedGateway } from './support/demo.js';
import { NO_RESUBMISSION_DETECTION, type Running } from './support/gateway.js';
import { basic, DEMO, field, parseResponse, post } from './support/soapClient.js';
import { journalOf } from './support/journal.js';

const DATORE = { user: '12345678903', password: 'Demo.Datore.2026' };
const LAVORATORE = { user: 'RSSMRA80A01H501U', password: 'Demo.Lavoratore.2026' };
/** Added with the binary while the gateway runs. */
const NEW_DATORE = { user: '01234567897', password: 'Datore.Nuovo.2026' };
const NEW_LAVORATORE = { user: 'BNCGPP75C41F205S', password: 'Lavoratore.Nuovo.2026' };

let gw: Running;
let pin: string;
const children: ChildProcess[] = [];
/** Real protocol numbers of the demo worker: a certificate, an admission, its discharge. */
const ids = { puc: '', pucir: '', dimissione: '' };

function request(name: OperationName, substitute: Record<string, string>): string {
  let xml = exampleEnvelope(name, new Date(NOW));
  for (const [placeholder, value] of Object.entries(substitute)) xml = xml.split(placeholder).join(value);
  return xml;
}

async function call(name: OperationName, who: { user: string; password: string }, substitute: Record<string, string>) {
  const op = OPERATIONS.find((o) => o.name === name)!;
  return post(gw.endpoint, request(name, substitute), { auth: basic(who.user, who.password), soapAction: `"${soapActionOf(op)}"` });
}

function cli(args: string[], stdin: string): Promise<AdminRun> {
  return adminCli(gw.dataDir, args, stdin, (c) => children.push(c));
}

before(async () => {
  ({ gw, pin } = await pinnedGateway(NOW, NO_RESUBMISSION_DETECTION));
  const medico = { user: DEMO.medico.user, password: DEMO.medico.password };
  const operatore = { user: DEMO.operatore.user, password: DEMO.operatore.password };
  const sent = parseResponse(await call('InviaMalattia', medico, { [PLACEHOLDERS.pincode]: pin }));
  ids.puc = field(sent.xml, 'idCertificato')!;
  const admitted = parseResponse(await call('InviaRicovero', operatore, {}));
  ids.pucir = field(admitted.xml, 'idCertificato') ?? field(admitted.xml, 'idInizioRicovero')!;
  const discharged = parseResponse(await call('InviaDimissione', medico, { [PLACEHOLDERS.pincode]: pin, [PLACEHOLDERS.pucir]: ids.pucir }));
  ids.dimissione = field(discharged.xml, 'idCertificato')!;
  assert.ok(ids.puc && ids.pucir && ids.dimissione, JSON.stringify({ ids, sent: sent.xml.slice(0, 400) }));
});

after(async () => {
  for (const child of children) if (child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
  await gw?.stop();
});

/** The section that names the sender of each operation, as an operatore or a medico is refused on it. */
const SECTION: Record<OperationName, string> = {
  InviaMalattia: 'medico',
  RettificaMalattia: 'medico',
  AnnullaMalattia: 'medico',
  RicercaMalattia: 'medico',
  RistampaMalattia: 'medico',
  InviaRicovero: 'operatore',
  AnnullaRicovero: 'operatore',
  InviaDimissione: 'medico',
  RettificaDimissione: 'medico',
  InterrogazioneLavoratore: 'medico',
};

describe('no CertificatiMedici operation for an employer or a worker', () => {
  for (const [kind, who] of [['datore', DATORE], ['lavoratore', LAVORATORE]] as const) {
    test(`${kind}: each of the ten operations answers 2009 alone, stores nothing, reads nothing`, async () => {
      assert.equal(OPERATIONS.length, 10);
      const certificates = await gw.gateway.store.countCertificates();
      const journal = async () => (await journalOf(gw.gateway.store, { username: who.user })).filter((e) => e.action !== 'login_fallito');
      const substitutes = (name: OperationName) => ({
        [PLACEHOLDERS.pincode]: pin,
        [PLACEHOLDERS.puc]: name === 'RettificaDimissione' ? ids.dimissione : ids.puc,
        [PLACEHOLDERS.pucir]: ids.pucir,
      });
      for (const op of OPERATIONS) {
        const response = parseResponse(await call(op.name, who, substitutes(op.name)));
        assert.equal(response.root, op.responseElement, op.name);
        assertErrors(response, [['2009', SECTION[op.name]]]);
        assert.equal(response.errors[0]!.descrizione, `Un utente di tipo ${kind} non è abilitato al servizio ${op.name}.`);
      }
      assert.equal(await gw.gateway.store.countCertificates(), certificates, 'nothing stored');
      assert.equal((await gw.gateway.store.getCertificate(ids.puc))?.state, 'attivo', 'the certificate is untouched');
      assert.equal((await gw.gateway.store.getRicovero(ids.pucir))?.state, 'attivo', 'the admission is untouched');
      assert.deepEqual(await journal(), [], 'no read or change journaled for this user');
    });
  }

  test('a wrong password is refused like anyone else (401), the right one is accepted', async () => {
    for (const who of [DATORE, LAVORATORE]) {
      const wrong = await call('RicercaMalattia', { user: who.user, password: `${who.password}x` }, { [PLACEHOLDERS.pincode]: pin });
      assert.equal(wrong.status, 401);
      assert.equal((await call('RicercaMalattia', who, { [PLACEHOLDERS.pincode]: pin })).status, 200);
    }
  });
});

describe('sac-gateway users add --kind datore | lavoratore', () => {
  test('added while the gateway runs: they log in at once, and are refused every operation', async () => {
    const datore = await cli(['users', 'add', NEW_DATORE.user, '--kind', 'datore'], `${NEW_DATORE.password}\n`);
    assert.equal(datore.code, 0, datore.stderr);
    assert.match(datore.stdout, /01234567897: added \(datore\)/);
    const lavoratore = await cli(['users', 'add', NEW_LAVORATORE.user.toLowerCase(), '--kind', 'lavoratore'], `${NEW_LAVORATORE.password}\n`);
    assert.equal(lavoratore.code, 0, lavoratore.stderr);
    assert.match(lavoratore.stdout, /BNCGPP75C41F205S: added \(lavoratore\)/);
    for (const [kind, who] of [['datore', NEW_DATORE], ['lavoratore', NEW_LAVORATORE]] as const) {
      const user = await gw.gateway.store.findUser(who.user);
      assert.deepEqual([user?.kind, user?.pincodeHash, user?.codiceRegione, user?.codiceAsl, user?.codiceStruttura], [kind, null, null, null, null]);
      const response = parseResponse(await call('InterrogazioneLavoratore', who, { [PLACEHOLDERS.pincode]: pin }));
      assertErrors(response, [['2009', 'medico']]);
    }
  });

  test('refused: a wrong check digit, a personal code for an employer, codes of a health structure, an unknown kind', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['users', 'add', '12345678904', '--kind', 'datore'], /company's codice fiscale, 11 digits: wrong check digit/],
      [['users', 'add', 'VRDLGU62T10L219V', '--kind', 'datore'], /company's codice fiscale, 11 digits: not 11 digits/],
      [['users', 'add', '11111111115', '--kind', 'datore', '--region', '120'], /a datore user has no region, ASL or structure/],
      [['users', 'add', 'VRDLGU62T10L219X', '--kind', 'lavoratore'], /a lavoratore username is the person's codice fiscale.*wrong check character/],
      [['users', 'add', 'VRDLGU62T10L219V', '--kind', 'lavoratore', '--region', '120', '--asl', '201', '--structure', '120901'], /a lavoratore user has no region, ASL or structure/],
    ];
    for (const [args, expected] of cases) {
      const run = await cli(args, 'Password.Valida.2026\n');
      assert.equal(run.code, 1, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, expected);
    }
    const kind = await cli(['users', 'add', 'VRDLGU62T10L219V', '--kind', 'padrone'], '');
    assert.equal(kind.code, 2);
    assert.match(kind.stderr, /--kind must be one of medico, regione, operatore, datore, lavoratore/);
    const pincode = await cli(['users', 'pincode', DATORE.user], '1234567890\n');
    assert.equal(pincode.code, 1);
    assert.match(pincode.stderr, /12345678903 is a datore: only a medico has a pincode/);
    assert.equal(await gw.gateway.store.findUser('11111111115'), undefined);
  });
});

describe('the demo', () => {
  test('the landing page lists the demo employer and worker, with what they may do', async () => {
    const page = await (await fetch(`${gw.url}/`)).text();
    assert.match(page, /<tr><td><code>12345678903<\/code><\/td><td><code>Demo\.Datore\.2026<\/code><\/td><td>datore<\/td><td>—<\/td><\/tr>/);
    assert.match(page, /<tr><td><code>RSSMRA80A01H501U<\/code><\/td><td><code>Demo\.Lavoratore\.2026<\/code><\/td><td>lavoratore<\/td><td>—<\/td><\/tr>/);
    assert.match(page, /Demo Datore S\.r\.l\.[\s\S]*1234567890[\s\S]*7001/);
  });

  test('the demo employer employs Rossi and Bianchi today, not Verdi (seeded before the gateway served)', async () => {
    const store = gw.gateway.store;
    assert.deepEqual((await store.workersOf(DATORE.user, '2026-11-25', '2026-11-25')).map((e) => e.workerCf), ['BNCGPP75C41F205S', 'RSSMRA80A01H501U']);
    assert.equal(await store.employs(DATORE.user, 'VRDLGU62T10L219V', '1900-01-01', '2100-12-31'), false);
  });
});

describe('configuration', () => {
  test('SAC_RATE_LIMITS defaults to 10/s with bursts of 50 for both kinds, and takes them by name; SAC_TIME_BANDS too', () => {
    const defaults = loadConfig({}).admission.rateLimits;
    assert.deepEqual([defaults.datore, defaults.lavoratore], [{ perSecond: 10, burst: 50 }, { perSecond: 10, burst: 50 }]);
    const set = loadConfig({ SAC_RATE_LIMITS: 'datore=2/s:5,lavoratore=off' }).admission.rateLimits;
    assert.deepEqual(set.datore, { perSecond: 2, burst: 5 });
    assert.equal(set.lavoratore, undefined);
    assert.deepEqual(set.medico, { perSecond: 100, burst: 500 });
    const bands = loadConfig({ SAC_TIME_BANDS: 'datore=08:00-18:00,lavoratore=07:00-23:00' }).admission.timeBands;
    assert.deepEqual([bands.datore?.fromMinute, bands.lavoratore?.toMinute], [480, 1380]);
  });
});
