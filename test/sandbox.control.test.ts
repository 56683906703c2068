/**
 * The sandbox's control half, end to end against a real gateway on loopback
 * (a real SQLite file), reached the way a vendor reaches it: from the
 * landing page, following its links to /sandbox and the forms on it.
 * - time travel: one user's requests see the shifted clock (the release
 *   date, cancellation until the next day, maintenance windows,
 *   dataRicezione); another user's do not; reset; bounds;
 * - fault injection: the next N requests answer the chosen outcome (the
 *   unavailable fault with Retry-After, overload, a delay, a maintenance
 *   stop, a catalog tipoErrore), optionally for one operation only; the
 *   (N+1)th is normal; a client honouring Retry-After gets through;
 * - the routes: login as the SOAP calls, cross-site POSTs refused, bounds,
 *   JSON for a test suite; with SAC_SANDBOX=0 none of it exists.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { FAULTS } from '../src/catalog/diagnostics.js';
import { addDays } from '../src/domain/dates.js';
import { assertErrors } from './support/assertions.js';
import { NOW, TODAY } from './support/demo.js';
import { NO_RESUBMISSION_DETECTION, startGateway, type Running } from './support/gateway.js';
import { envelope, invioMalattia } from './support/requests.js';
import { DEMO, basic, field, parseFault, parseResponse, post, type ParsedResponse } from './support/soapClient.js';

const MEDICO = basic(DEMO.medico.user, DEMO.medico.password);
const MEDICO2 = basic(DEMO.medico2.user, DEMO.medico2.password);
/** A stop ten days after NOW (announced from 2026-11-28 18:00). */
const WINDOW = '2026-12-05T18:00:00+01:00/2026-12-06T16:00:00+01:00';

interface Page {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

async function get(url: string, auth?: string, accept?: string): Promise<Page> {
  const headers: Record<string, string> = {};
  if (auth) headers.authorization = auth;
  if (accept) headers.accept = accept;
  const r = await fetch(url, { headers, redirect: 'manual' });
  return { status: r.status, headers: r.headers, text: await r.text() };
}

/** A form post as a browser sends it (urlencoded), or JSON when `json`. */
async function submit(url: string, auth: string, fields: Record<string, string | number>, options: { json?: boolean; headers?: Record<string, string> } = {}): Promise<Page> {
  const headers: Record<string, string> = { authorization: auth, ...options.headers };
  let body: string;
  if (options.json) {
    headers['content-type'] = 'application/json';
    headers.accept = 'application/json';
    body = JSON.stringify(fields);
  } else {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)])).toString();
  }
  const r = await fetch(url, { method: 'POST', headers, body, redirect: 'manual' });
  return { status: r.status, headers: r.headers, text: await r.text() };
}

/** The action of every form on a page, and every link. */
function formActions(html: string): string[] {
  return [...html.matchAll(/<form method="post" action="([^"]+)"/g)].map((m) => m[1]!);
}
function links(html: string): string[] {
  return [...html.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]!);
}

describe('sandbox: time travel and fault injection, from the landing page', () => {
  let gw: Running;
  let pin: string;
  let pin2: string;
  let clockUrl: string;
  let faultsUrl: string;

  const invio = (auth: string, pincode: string, day: string, fine = day): Promise<ParsedResponse> =>
    post(gw.endpoint, envelope('invioMalattiaRequest', invioMalattia(day, { medico: { pincode }, malattia: { dataFine: fine } })), { auth }).then(parseResponse);
  const interroga = (auth = MEDICO, pincode = pin) =>
    post(gw.endpoint, envelope('interrogazioneLavoratoreRequest', { medico: { pincode }, lavoratore: { codiceFiscale: 'RSSMRA80A01H501U' } }), { auth });
  const annulla = (id: string): Promise<ParsedResponse> =>
    post(gw.endpoint, envelope('annullamentoMalattiaRequest', { medico: { pincode: pin }, lavoratore: { codiceFiscale: 'RSSMRA80A01H501U' }, idCertificato: id }), { auth: MEDICO }).then(parseResponse);
  const json = async (auth = MEDICO): Promise<Record<string, unknown>> => JSON.parse((await get(`${gw.url}/sandbox`, auth, 'application/json')).text) as Record<string, unknown>;

  before(async () => {
    gw = await startGateway({ ...NO_RESUBMISSION_DETECTION, SAC_MAINTENANCE_WINDOWS: WINDOW });
    gw.clock.set(NOW);
    pin = encryptField(gw.gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
    pin2 = encryptField(gw.gateway.pincodeKey.certificatePem, DEMO.medico2.pincode);
  });
  after(async () => {
    await gw.stop();
  });

  test('the landing page links the sandbox page, which needs a login and links the forms, the inspector and the report', async () => {
    const landing = await get(`${gw.url}/`);
    assert.equal(landing.status, 200);
    const sandboxLink = links(landing.text).find((href) => href === '/sandbox');
    assert.ok(sandboxLink, 'the landing page links /sandbox');
    const anonymous = await get(`${gw.url}${sandboxLink}`);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic /);
    const wrong = await get(`${gw.url}${sandboxLink}`, basic(DEMO.medico.user, 'sbagliata'));
    assert.equal(wrong.status, 401);
    const page = await get(`${gw.url}${sandboxLink}`, MEDICO);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.match(page.text, /<html lang="it">/);
    assert.ok(page.text.includes(DEMO.medico.user), 'the page names the caller');
    assert.ok(links(page.text).includes('/sandbox/richieste'));
    assert.ok(links(page.text).includes('/sandbox/conformita'));
    const actions = formActions(page.text);
    clockUrl = `${gw.url}${actions.find((a) => a.endsWith('/orologio'))}`;
    faultsUrl = `${gw.url}${actions.find((a) => a.endsWith('/guasti'))}`;
    assert.ok(clockUrl.endsWith('/sandbox/orologio') && faultsUrl.endsWith('/sandbox/guasti'), `forms: ${actions.join(', ')}`);
    const getOnForm = await get(clockUrl, MEDICO);
    assert.equal(getOnForm.status, 405);
    assert.equal(getOnForm.headers.get('allow'), 'POST');
  });

  test('time travel moves one user two days ahead: the release date, dataRicezione; the other user and the reset are unaffected', async () => {
    const inTwoDays = addDays(TODAY, 2);
    // Before: a release date two days ahead is in the future.
    assertErrors(await invio(MEDICO, pin, inTwoDays), [['4005', 'malattia/dataRilascio']]);

    const set = await submit(clockUrl, MEDICO, { scarto: '+2d' });
    assert.equal(set.status, 303, set.text);
    assert.equal(set.headers.get('location'), '/sandbox');
    const page = await get(`${gw.url}/sandbox`, MEDICO);
    assert.match(page.text, /scarto: \+2 giorni/);
    // As `curl -d scarto=+2d` sends it: the '+' unencoded, decoded as a space.
    const curlLike = await fetch(clockUrl, { method: 'POST', headers: { authorization: MEDICO, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: 'scarto=+2d' });
    assert.equal((JSON.parse(await curlLike.text()) as { scartoMs: number }).scartoMs, 2 * 86_400_000);

    const accepted = await invio(MEDICO, pin, inTwoDays);
    assert.deepEqual(accepted.errors, []);
    assert.ok(accepted.ok.idCertificato, 'a PUC is answered');
    assert.ok(accepted.ok.dataRicezione!.startsWith(`${inTwoDays}T10:00`), `dataRicezione ${accepted.ok.dataRicezione}`);
    // The real today is the day before yesterday for the traveller: too old.
    assertErrors(await invio(MEDICO, pin, TODAY), [['4006', 'malattia/dataRilascio']]);

    // Another user at the same moment: the real date.
    assertErrors(await invio(MEDICO2, pin2, inTwoDays), [['4005', 'malattia/dataRilascio']]);
    const other = await invio(MEDICO2, pin2, TODAY);
    assert.ok(other.ok.dataRicezione!.startsWith(`${TODAY}T10:00`), `other user's dataRicezione ${other.ok.dataRicezione}`);

    const reset = await submit(clockUrl, MEDICO, { azione: 'ripristina' });
    assert.equal(reset.status, 303);
    assertErrors(await invio(MEDICO, pin, inTwoDays), [['4005', 'malattia/dataRilascio']]);
    assert.equal((await json()).scartoMs, 0);
  });

  test('cancellation until the next day and maintenance windows follow the traveller\'s clock (an instant set as JSON)', async () => {
    const sent = await invio(MEDICO, pin, TODAY, addDays(TODAY, 5));
    const puc = sent.ok.idCertificato!;
    const r = await submit(clockUrl, MEDICO, { istante: `${addDays(TODAY, 2)}T09:00` }, { json: true });
    assert.equal(r.status, 200, r.text);
    const body = JSON.parse(r.text) as { ora: string; scarto: string };
    assert.ok(body.ora.startsWith(`${addDays(TODAY, 2)}T09:00`), `ora ${body.ora}`);
    assertErrors(await annulla(puc), [['7007', 'idCertificato']]);

    // Into the maintenance window: every operation of this user is refused with 8002.
    assert.equal((await submit(clockUrl, MEDICO, { istante: '2026-12-06T10:00:00+01:00' }, { json: true })).status, 200);
    const stopped = parseResponse(await interroga());
    assert.deepEqual(stopped.errors.map((e) => e.tipoErrore), ['8002']);
    // The other user is not in the window.
    assert.deepEqual(parseResponse(await interroga(MEDICO2, pin2)).errors, []);

    assert.equal((await submit(clockUrl, MEDICO, { azione: 'ripristina' }, { json: true })).status, 200);
    const cancelled = await annulla(puc);
    assert.deepEqual(cancelled.errors, []);
    assert.ok(cancelled.ok.idAnnullamento);
  });

  test('rectification within the prognosis and the six-month search follow the traveller\'s clock', async () => {
    const ROSSI = 'RSSMRA80A01H501U';
    const sent = await invio(MEDICO2, pin2, TODAY, addDays(TODAY, 2));
    const puc = sent.ok.idCertificato!;
    const travel = async (fields: Record<string, string>) => assert.equal((await submit(clockUrl, MEDICO2, fields, { json: true })).status, 200);
    const rettifica = () =>
      post(gw.endpoint, envelope('rettificaMalattiaRequest', { medico: { pincode: pin2 }, lavoratore: { codiceFiscale: ROSSI }, idCertificato: puc, dataFine: addDays(TODAY, 1) }), { auth: MEDICO2 }).then(parseResponse);
    const ricerca = () => post(gw.endpoint, envelope('ricercaMalattiaRequest', { medico: { pincode: pin2 }, lavoratore: { codiceFiscale: ROSSI } }), { auth: MEDICO2 }).then(parseResponse);

    await travel({ scarto: '+4d' });
    assertErrors(await rettifica(), [['7004', 'idCertificato']]);
    await travel({ scarto: '+200d' });
    const later = await ricerca();
    assert.deepEqual(later.errors, []);
    assert.ok(!later.xml.includes(puc), 'seven months on, the certificate is out of the default search');
    await travel({ azione: 'ripristina' });
    assert.ok((await ricerca()).xml.includes(puc), 'at the real date it is found');
    assert.deepEqual((await rettifica()).errors, [], 'and rectified within the prognosis');
  });

  test('time travel is bounded and validated, in Italian', async () => {
    for (const fields of <Record<string, string>[]>[{ scarto: '+800d' }, { scarto: 'domani' }, { istante: '2026-02-30T10:00' }, { istante: '2031-01-01T00:00:00Z' }, {}, { scarto: '+1d', istante: '2026-12-01' }]) {
      const r = await submit(clockUrl, MEDICO, fields, { json: true });
      assert.equal(r.status, 400, `${JSON.stringify(fields)}: ${r.text}`);
      assert.match((JSON.parse(r.text) as { errore: string }).errore, /[àèìòù]|Indicare|non valido|limitato/);
    }
    const html = await submit(clockUrl, MEDICO, { scarto: '+800d' });
    assert.equal(html.status, 400);
    assert.match(html.text, /limitato a 730 giorni/);
    assert.equal((await json()).scartoMs, 0, 'nothing was set');
  });

  test('fault injection: the next 3 requests get the unavailable fault with Retry-After, the 4th is normal, another user is unaffected', async () => {
    const set = await submit(faultsUrl, MEDICO, { esito: 'non_disponibile', numero: 3, secondi: 7 });
    assert.equal(set.status, 303, set.text);
    assert.match((await get(`${gw.url}/sandbox`, MEDICO)).text, /restano <strong>3<\/strong> risposte su 3/);
    for (let i = 0; i < 3; i++) {
      const r = await interroga();
      const fault = parseFault(r, 503);
      assert.equal(fault.faultcode, 'soap:Server');
      assert.equal(fault.faultstring, FAULTS.UNAVAILABLE.faultstring);
      assert.equal(r.headers.get('retry-after'), '7');
      if (i === 0) assert.deepEqual(parseResponse(await interroga(MEDICO2, pin2)).errors, [], 'other user unaffected');
    }
    assert.deepEqual(parseResponse(await interroga()).errors, [], 'the 4th request is normal');
    const state = (await json()).guasto as { rimanenti: number; totale: number };
    assert.deepEqual([state.rimanenti, state.totale], [0, 3]);
  });

  test('overload, restricted to one operation: other operations neither get it nor use it up', async () => {
    const set = await submit(faultsUrl, MEDICO, { esito: 'sovraccarico', numero: 2, secondi: 3, operazione: 'InviaMalattia' }, { json: true });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual(parseResponse(await interroga()).errors, []);
    for (let i = 0; i < 2; i++) {
      const r = await post(gw.endpoint, envelope('invioMalattiaRequest', invioMalattia(TODAY, { medico: { pincode: pin } })), { auth: MEDICO });
      const fault = parseFault(r, 503);
      assert.equal(fault.faultstring, FAULTS.OVERLOADED.faultstring.replace('{secondi}', '3'));
      assert.equal(r.headers.get('retry-after'), '3');
    }
    assert.ok((await invio(MEDICO, pin, TODAY)).ok.idCertificato, 'the 3rd InviaMalattia is normal');
  });

  test('a catalog tipoErrore, a maintenance stop and a delay, each once, then the normal answer', async () => {
    assert.equal((await submit(faultsUrl, MEDICO, { esito: 'errore', numero: 1, tipoErrore: '3003' }, { json: true })).status, 200);
    assertErrors(parseResponse(await interroga()), [['3003', 'lavoratore/codiceFiscale']]);
    assert.deepEqual(parseResponse(await interroga()).errors, []);

    assert.equal((await submit(faultsUrl, MEDICO, { esito: 'manutenzione', numero: 1 }, { json: true })).status, 200);
    const stopped = parseResponse(await interroga());
    assert.deepEqual(stopped.errors.map((e) => e.tipoErrore), ['8002']);
    assert.match(stopped.xml, /<codice>8003<\/codice>/, 'announced as a planned stop is');
    assert.deepEqual(parseResponse(await interroga()).errors, []);

    assert.equal((await submit(faultsUrl, MEDICO, { esito: 'ritardo', numero: 1, ritardoMs: 400 }, { json: true })).status, 200);
    const began = performance.now();
    const slow = parseResponse(await interroga());
    assert.ok(performance.now() - began >= 390, 'delayed');
    assert.deepEqual(slow.errors, []);
    assert.ok(field(slow.xml, 'cognome'), 'then the normal answer');
  });

  test('injection requests are bounded and validated; cancel', async () => {
    const bad: Record<string, string | number>[] = [
      { esito: 'non_disponibile', numero: 101 },
      { esito: 'non_disponibile', numero: 0 },
      { esito: 'esplosione', numero: 1 },
      { esito: 'ritardo', numero: 1, ritardoMs: 30_001 },
      { esito: 'errore', numero: 1, tipoErrore: '9999' },
      { esito: 'non_disponibile', numero: 1, secondi: 601 },
      { esito: 'errore', numero: 1, tipoErrore: '3003', operazione: 'Sconosciuta' },
    ];
    for (const fields of bad) {
      const r = await submit(faultsUrl, MEDICO, fields, { json: true });
      assert.equal(r.status, 400, `${JSON.stringify(fields)}: ${r.text}`);
    }
    assert.equal((await submit(faultsUrl, MEDICO, { esito: 'non_disponibile', numero: 5 })).status, 303);
    assert.equal((await submit(faultsUrl, MEDICO, { azione: 'annulla' })).status, 303);
    assert.deepEqual(parseResponse(await interroga()).errors, [], 'cancelled: normal');
    assert.equal((await json()).guasto, null);
  });

  test('a client that honours Retry-After gets through the injected unavailability', async () => {
    assert.equal((await submit(faultsUrl, MEDICO, { esito: 'non_disponibile', numero: 3, secondi: 1 }, { json: true })).status, 200);
    const began = performance.now();
    let attempts = 0;
    let result;
    for (;;) {
      attempts++;
      result = await interroga();
      if (result.status !== 503 || attempts >= 10) break;
      await delay(Number(result.headers.get('retry-after')) * 1000);
    }
    assert.equal(attempts, 4);
    assert.deepEqual(parseResponse(result).errors, []);
    assert.ok(performance.now() - began >= 2_900, 'the client waited as told');
  });

  test('a POST from another site is refused and changes nothing; bodies are bounded', async () => {
    assert.equal((await submit(faultsUrl, MEDICO, { azione: 'annulla' }, { json: true })).status, 200);
    for (const headers of <Record<string, string>[]>[{ origin: 'http://attacker.example' }, { 'sec-fetch-site': 'cross-site' }, { origin: 'null' }]) {
      const r = await submit(faultsUrl, MEDICO, { esito: 'non_disponibile', numero: 5 }, { headers });
      assert.equal(r.status, 403, JSON.stringify(headers));
    }
    const sameOrigin = await submit(clockUrl, MEDICO, { azione: 'ripristina' }, { headers: { origin: gw.url, 'sec-fetch-site': 'same-origin' } });
    assert.equal(sameOrigin.status, 303);
    assert.equal((await json()).guasto, null, 'no injection was set');
    const big = await submit(faultsUrl, MEDICO, { esito: 'x'.repeat(5000), numero: 1 });
    assert.equal(big.status, 413);
    const plain = await fetch(faultsUrl, { method: 'POST', headers: { authorization: MEDICO, 'content-type': 'text/plain' }, body: 'esito=ritardo' });
    assert.equal(plain.status, 415);
  });
});

describe('sandbox off (SAC_SANDBOX=0)', () => {
  let gw: Running;
  before(async () => {
    gw = await startGateway({ SAC_SANDBOX: '0' });
  });
  after(async () => {
    await gw.stop();
  });

  test('no page, no forms, no link, and the service answers as always', async () => {
    assert.equal((await get(`${gw.url}/sandbox`, MEDICO)).status, 404);
    assert.equal((await submit(`${gw.url}/sandbox/guasti`, MEDICO, { esito: 'non_disponibile', numero: 5 })).status, 404);
    assert.equal((await submit(`${gw.url}/sandbox/orologio`, MEDICO, { scarto: '+2d' })).status, 404);
    const landing = await get(`${gw.url}/`);
    assert.ok(!landing.text.includes('/sandbox'), 'the landing page does not link it');
    const pin = encryptField(gw.gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
    const r = parseResponse(await post(gw.endpoint, envelope('interrogazioneLavoratoreRequest', { medico: { pincode: pin }, lavoratore: { codiceFiscale: 'RSSMRA80A01H501U' } }), { auth: MEDICO }));
    assert.deepEqual(r.errors, []);
  });
});

describe('sandbox logins count in the SOAP service\'s throttles', () => {
  let gw: Running;
  before(async () => {
    gw = await startGateway({ SAC_LOGIN_FREE_FAILURES: '2', SAC_LOGIN_LOCK_AFTER: '3', SAC_LOGIN_LOCK_MS: '600000' });
  });
  after(async () => {
    await gw.stop();
  });

  test('two wrong passwords on /sandbox, then the user is throttled there and on the SOAP endpoint alike', async () => {
    const user = DEMO.operatore.user;
    assert.equal((await get(`${gw.url}/sandbox`, basic(user, 'Indovina.1'))).status, 401);
    assert.equal((await get(`${gw.url}/sandbox`, basic(user, 'Indovina.2'))).status, 401);
    const throttled = await get(`${gw.url}/sandbox`, basic(user, 'Indovina.3'), 'application/json');
    assert.equal(throttled.status, 429);
    assert.ok(Number(throttled.headers.get('retry-after')) >= 1);
    assert.match((JSON.parse(throttled.text) as { errore: string }).errore, /^Troppi tentativi di accesso non riusciti/);
    const soap = await post(gw.endpoint, envelope('interrogazioneLavoratoreRequest', { lavoratore: { codiceFiscale: 'RSSMRA80A01H501U' } }), { auth: basic(user, 'Indovina.4') });
    assert.equal(soap.status, 429, 'the SOAP endpoint sees the same failures');
    assert.equal(gw.gateway.logins.stats().refusedThrottled, 2);
  });
});

describe('sandbox changes take tokens from the user\'s SOAP rate limit', () => {
  let gw: Running;
  before(async () => {
    gw = await startGateway({ SAC_RATE_LIMITS: 'medico=1/min:2' });
  });
  after(async () => {
    await gw.stop();
  });

  test('a burst of two, then 503 with Retry-After, the page still readable', async () => {
    const url = `${gw.url}/sandbox/guasti`;
    assert.equal((await submit(url, MEDICO, { azione: 'annulla' }, { json: true })).status, 200);
    assert.equal((await submit(url, MEDICO, { azione: 'annulla' }, { json: true })).status, 200);
    const refused = await submit(url, MEDICO, { esito: 'non_disponibile', numero: 100 }, { json: true });
    assert.equal(refused.status, 503);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.match((JSON.parse(refused.text) as { errore: string }).errore, /^Troppe richieste/);
    assert.equal((await get(`${gw.url}/sandbox`, MEDICO)).status, 200);
    assert.equal((await json(gw, MEDICO)).guasto, null, 'nothing was set');
  });
});

async function json(gw: Running, auth: string): Promise<Record<string, unknown>> {
  return JSON.parse((await get(`${gw.url}/sandbox`, auth, 'application/json')).text) as Record<string, unknown>;
}
