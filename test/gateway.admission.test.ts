/**
 * Admission control, fairness per user, time bands and /readyz (issue 10):
 *  - the token bucket and the settings' parsing, on their own;
 *  - the real binary: a flood from one user at over 3x its rate is refused fast
 *    with 503 + Retry-After while a second user's calls are all answered,
 *    and the flooder's accepted work is bounded by its bucket;
 *  - calls in flight past SAC_MAX_IN_FLIGHT refused in milliseconds while
 *    the information routes stay served, /readyz overloaded meanwhile;
 *  - a saturated event loop (blocked on purpose) refused the same way;
 *  - a time band refuses outside (8001 naming the band) and admits inside,
 *    across midnight, with the WSDL served at any hour;
 *  - /readyz flips to 503 while the real binary drains.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { FAULTS, DIAGNOSTICS } from '../src/catalog/diagnostics.js';
import { ConfigError, RATE_LIMIT_DEFAULTS, loadConfig } from '../src/config.js';
import { romeDate } from '../src/domain/dates.js';
import { UserRateLimit } from '../src/http/userRateLimit.js';
import { inBand } from '../src/sac/timeBands.js';
import { pinnedGateway, NOW, TODAY } from './support/demo.js';
import { startCli, type CliGateway } from './support/cliGateway.js';
import { NO_RESUBMISSION_DETECTION, startGateway, tempDir, type Running } from './support/gateway.js';
import { edgeTestResources, rawConnect, soapHead, statusOf, type RawConnection } from './support/rawHttp.js';
import { DEMO, basic, parseFault, parseResponse, post, type SoapResult } from './support/soapClient.js';
import { envelope, invioMalattia } from './support/requests.js';

const { track, dataDirs, opened } = edgeTestResources();
const running: Running[] = [];
after(async () => {
  for (const gw of running) await gw.stop();
});

const INVIA = 'http://ws.cert.sanita.finanze.it/InviaMalattia';
const OVERLOADED = /^Servizio temporaneamente non disponibile per sovraccarico: la richiesta non è stata registrata\. Riprovare tra \d+ secondi\.$/;
const RATE_LIMITED = /^Servizio temporaneamente non disponibile: troppe richieste dall'utente in poco tempo\. La richiesta non è stata registrata\. Riprovare tra \d+ secondi\.$/;

async function connect(port: number): Promise<RawConnection> {
  const c = await rawConnect(port);
  opened.add(c);
  return c;
}

async function pemOf(url: string): Promise<string> {
  return (await fetch(`${url}/CertServiceWeb/SanitelCF.pem`)).text();
}

function ricerca(pin: string): string {
  return envelope('ricercaMalattiaRequest', { medico: { pincode: pin }, lavoratore: { codiceFiscale: 'VRDLGU62T10L219V' } });
}

describe('the token bucket and its settings', () => {
  test('a bucket gives its burst, then one call per 1/rate s; Retry-After is when the next token comes, at least 1 s', () => {
    let now = 0;
    const limit = new UserRateLimit({ medico: { perSecond: 2, burst: 3 }, regione: { perSecond: 0.1, burst: 1 } }, () => now);
    assert.deepEqual([0, 0, 0].map(() => limit.take('a', 'medico')), [0, 0, 0]);
    assert.equal(limit.take('a', 'medico'), 1, 'empty: the next token in 0.5 s, said as 1 s');
    assert.equal(limit.take('b', 'medico'), 0, 'another user has a bucket of their own');
    now = 499;
    assert.equal(limit.take('a', 'medico'), 1);
    now = 500;
    assert.equal(limit.take('a', 'medico'), 0, 'one token after 1/rate');
    now = 60_000;
    assert.deepEqual([0, 0, 0, 1].map(() => limit.take('a', 'medico')), [0, 0, 0, 1], 'refilled up to the burst, not beyond');
    assert.equal(limit.take('r', 'regione'), 0);
    assert.equal(limit.take('r', 'regione'), 10, 'a slow rate: Retry-After rounds up the wait for the next token');
    assert.equal(limit.take('o', 'operatore'), 0, 'a kind without a limit is never refused');
    assert.equal(limit.size, 3, 'no bucket is kept for a kind without a limit');
  });

  test('SAC_RATE_LIMITS and SAC_TIME_BANDS: defaults, overrides, off, and a clear error naming the variable', () => {
    const base = { SAC_DATA_DIR: tempDir() };
    dataDirs.push(base.SAC_DATA_DIR);
    assert.deepEqual(loadConfig(base).admission.rateLimits, RATE_LIMIT_DEFAULTS);
    assert.deepEqual(loadConfig(base).admission.timeBands, {}, 'no time bands by default');
    const set = loadConfig({ ...base, SAC_RATE_LIMITS: 'medico=2/s:20, regione=50/s:500,operatore=off' }).admission.rateLimits;
    // Kinds not named keep their defaults (datore and lavoratore since issue 12).
    assert.deepEqual(set, {
      medico: { perSecond: 2, burst: 20 },
      regione: { perSecond: 50, burst: 500 },
      datore: RATE_LIMIT_DEFAULTS.datore,
      lavoratore: RATE_LIMIT_DEFAULTS.lavoratore,
    });
    assert.deepEqual(loadConfig({ ...base, SAC_RATE_LIMITS: 'medico=6/min:3' }).admission.rateLimits.medico, { perSecond: 0.1, burst: 3 });
    assert.deepEqual(loadConfig({ ...base, SAC_RATE_LIMITS: 'off' }).admission.rateLimits, {});
    const bands = loadConfig({ ...base, SAC_TIME_BANDS: 'regione=08:00-16:00,medico=22:00-06:00' }).admission.timeBands;
    assert.deepEqual(bands.regione, { fromMinute: 480, toMinute: 960, label: '08:00-16:00' });
    for (const [name, value] of [
      ['SAC_RATE_LIMITS', 'medico=2/s'],
      ['SAC_RATE_LIMITS', 'dentista=2/s:20'],
      ['SAC_RATE_LIMITS', 'medico=0/s:20'],
      ['SAC_RATE_LIMITS', 'medico=2/s:20,medico=3/s:30'],
      ['SAC_TIME_BANDS', 'regione=8-16'],
      ['SAC_TIME_BANDS', 'regione=08:00-08:00'],
      ['SAC_TIME_BANDS', 'regione=08:00-24:30'],
      ['SAC_MAX_EVENT_LOOP_UTILIZATION', '1.5'],
      ['SAC_MAX_IN_FLIGHT', '0'],
    ] as const) {
      assert.throws(() => loadConfig({ ...base, [name]: value }), (err: unknown) => err instanceof ConfigError && err.message.includes(name), `${name}=${value}`);
    }
  });

  test('a band is [from, to) on Rome clocks; from > to crosses midnight; 00:00-24:00 is the whole day', () => {
    const day = { fromMinute: 480, toMinute: 960, label: '' };
    const night = { fromMinute: 1320, toMinute: 360, label: '' };
    const all = { fromMinute: 0, toMinute: 1440, label: '' };
    assert.deepEqual([479, 480, 959, 960].map((m) => inBand(day, m)), [false, true, true, false]);
    assert.deepEqual([1319, 1320, 0, 359, 360, 600].map((m) => inBand(night, m)), [false, true, true, true, false, false]);
    assert.ok([0, 720, 1439].every((m) => inBand(all, m)));
  });
});

describe('fairness per user (the real binary)', () => {
  test('a flood from one user at over 3x its rate is refused fast with 503 + Retry-After; a second user is answered every time', async () => {
    const dir = tempDir();
    dataDirs.push(dir);
    const RATE = 5;
    const BURST = 5;
    const gw: CliGateway = await startCli(dir, { track, env: { SAC_RATE_LIMITS: `medico=${RATE}/s:${BURST}` } });
    const pem = await pemOf(gw.url);
    const today = romeDate(new Date());
    const flooder = basic(DEMO.medico.user, DEMO.medico.password);
    const other = basic(DEMO.medico2.user, DEMO.medico2.password);
    const floodBody = envelope('invioMalattiaRequest', invioMalattia(today, { medico: { pincode: encryptField(pem, DEMO.medico.pincode) } }));
    const otherBody = ricerca(encryptField(pem, DEMO.medico2.pincode));

    const timed = async (send: () => Promise<SoapResult>) => {
      const began = performance.now();
      const result = await send();
      return { result, ms: performance.now() - began };
    };
    const began = performance.now();
    const flood: Promise<{ result: SoapResult; ms: number }>[] = [];
    const calm: Promise<{ result: SoapResult; ms: number }>[] = [];
    // About 40 calls a second (8 x RATE) for 2 s from the flooder; the other doctor at half its rate meanwhile.
    for (let tick = 0; tick < 80; tick++) {
      flood.push(timed(() => post(gw.endpoint, floodBody, { auth: flooder, soapAction: INVIA })));
      if (tick % 16 === 0) calm.push(timed(() => post(gw.endpoint, otherBody, { auth: other })));
      await delay(25);
    }
    const flooded = await Promise.all(flood);
    const elapsedS = (performance.now() - began) / 1000;
    const answered = await Promise.all(calm);

    assert.ok(flooded.length / elapsedS >= 3 * RATE, `the flood ran at ${(flooded.length / elapsedS).toFixed(1)} calls/s, under 3 x ${RATE}`);
    for (const { result } of answered) assert.deepEqual(parseResponse(result).errors, [], 'the second user is answered');
    const accepted = flooded.filter((f) => f.result.status === 200);
    const refused = flooded.filter((f) => f.result.status === 503);
    assert.equal(accepted.length + refused.length, flooded.length, 'every call is accepted or refused with 503');
    for (const f of accepted) assert.deepEqual(parseResponse(f.result).errors, []);
    // Bounded work: what the bucket allows over the run, and no more.
    assert.ok(accepted.length <= BURST + Math.ceil(RATE * elapsedS) + 1, `${accepted.length} accepted in ${elapsedS.toFixed(2)} s`);
    assert.ok(refused.length >= flooded.length / 3, `only ${refused.length} of ${flooded.length} refused`);
    for (const f of refused) {
      const retryAfter = Number(f.result.headers.get('retry-after'));
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After ${retryAfter}`);
      const fault = parseFault(f.result, 503);
      assert.equal(fault.faultcode, 'soap:Server');
      assert.match(fault.faultstring, RATE_LIMITED);
      // Refused before the body is read: far below anything a queue would take (a generous bound).
      assert.ok(f.ms < 5000, `a refusal took ${f.ms.toFixed(0)} ms`);
    }
    const ms = refused.map((f) => f.ms).sort((a, b) => a - b);
    process.stdout.write(`# flood: ${accepted.length} accepted, ${refused.length} refused in ${elapsedS.toFixed(2)} s; refusal median ${ms[ms.length >> 1]!.toFixed(1)} ms\n`);
    assert.equal((await fetch(`${gw.url}/healthz`)).status, 200, 'the gateway is still healthy');
  });
});

describe('admission control', () => {
  test('calls in flight past SAC_MAX_IN_FLIGHT are refused at once; the information routes stay served; /readyz says overloaded', async () => {
    // The same body is held three times: resubmission detection off, so each held call is its own certificate.
    const { gw, pin } = await pinnedGateway(NOW, { SAC_MAX_IN_FLIGHT: '3', ...NO_RESUBMISSION_DETECTION });
    running.push(gw);
    const port = Number(new URL(gw.url).port);
    const auth = basic(DEMO.medico.user, DEMO.medico.password);
    const body = Buffer.from(envelope('invioMalattiaRequest', invioMalattia(TODAY, { medico: { pincode: pin } })));
    // Three calls in flight: headers and all of the body but its last byte.
    const held: RawConnection[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await connect(port);
      c.socket.write(soapHead(port, body.length, auth, { SOAPAction: INVIA }));
      c.socket.write(body.subarray(0, body.length - 1));
      held.push(c);
    }
    await delay(300);

    const began = performance.now();
    const refused = await post(gw.endpoint, body, { soapAction: INVIA });
    const ms = performance.now() - began;
    assert.equal(refused.status, 503);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 2 && retryAfter <= 4, `Retry-After ${retryAfter}: between the setting (2) and twice it`);
    assert.equal(refused.headers.get('connection'), 'close');
    assert.match(parseFault(refused, 503).faultstring, OVERLOADED);
    assert.ok(ms < 2000, `the refusal took ${ms.toFixed(0)} ms`);
    process.stdout.write(`# in-flight refusal in ${ms.toFixed(1)} ms\n`);

    assert.equal((await fetch(`${gw.url}/CertServiceWeb/CertificatiMedici?wsdl`)).status, 200, 'the WSDL is served under pressure');
    assert.equal((await fetch(`${gw.url}/CertServiceWeb/SanitelCF.pem`)).status, 200);
    assert.equal((await fetch(`${gw.url}/healthz`)).status, 200, 'overload is not a liveness failure');
    const ready = await fetch(`${gw.url}/readyz`);
    assert.equal(ready.status, 503);
    assert.ok(Number(ready.headers.get('retry-after')) >= 1);
    assert.deepEqual(
      { ...((await ready.json()) as Record<string, unknown>), eventLoopDelayMs: 0, eventLoopUtilization: 0 },
      { status: 'overloaded', reason: 'in_flight', inFlight: 3, writeBacklog: 0, eventLoopDelayMs: 0, eventLoopUtilization: 0 },
    );
    assert.equal(await gw.gateway.store.countCertificates(), 0, 'nothing stored yet');

    // The held calls complete and are acknowledged; then calls are admitted again.
    for (const c of held) c.socket.write(body.subarray(body.length - 1));
    for (const c of held) {
      for (let i = 0; i < 200 && statusOf(c.received()) === undefined; i++) await delay(10);
      assert.equal(statusOf(c.received()), 200, c.received().slice(0, 300));
      c.socket.destroy();
    }
    for (let i = 0; i < 200 && (await fetch(`${gw.url}/readyz`)).status !== 200; i++) await delay(10);
    assert.equal((await fetch(`${gw.url}/readyz`)).status, 200);
    assert.deepEqual(parseResponse(await post(gw.endpoint, ricerca(pin))).errors, []);
    assert.equal(await gw.gateway.store.countCertificates(), 3, 'the three held calls were stored, the refused one was not');
    assert.equal(gw.gateway.server.server.listening, true);
  });

  test('a saturated event loop (blocked on purpose) is refused at once, and admitted again once it recovers', async () => {
    const { gw, pin } = await pinnedGateway(NOW, { SAC_MAX_EVENT_LOOP_DELAY_MS: '40', SAC_PRESSURE_SAMPLE_MS: '200' });
    running.push(gw);
    assert.deepEqual(parseResponse(await post(gw.endpoint, ricerca(pin))).errors, [], 'admitted while the loop is idle');
    // The gateway runs in this process: block its event loop in 100 ms slices for 1 s (several samples).
    const until = performance.now() + 1000;
    while (performance.now() < until) {
      const slice = performance.now() + 100;
      while (performance.now() < slice) {
        // busy: this is the overload
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    const refused = await post(gw.endpoint, ricerca(pin));
    assert.equal(refused.status, 503, refused.text.slice(0, 300));
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.match(parseFault(refused, 503).faultstring, OVERLOADED);
    assert.equal((await fetch(`${gw.url}/CertServiceWeb/CertificatiMedici?wsdl`)).status, 200, 'the WSDL stays served');
    const ready = await fetch(`${gw.url}/readyz`);
    if (ready.status === 503) assert.equal(((await ready.json()) as { reason: string }).reason, 'event_loop_delay');
    // Recovered after a quiet sample or two.
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      await delay(50);
      status = (await fetch(`${gw.url}/readyz`)).status;
    }
    assert.equal(status, 200);
    assert.deepEqual(parseResponse(await post(gw.endpoint, ricerca(pin))).errors, []);
  });
});

describe('time bands', () => {
  test('outside its band a user gets 8001 naming the band, inside it is served; bands cross midnight; the WSDL is served at any hour', async () => {
    const { gw, pin } = await pinnedGateway(NOW, { SAC_TIME_BANDS: 'regione=08:00-16:00,medico=22:00-06:00' });
    running.push(gw);
    const regione = basic(DEMO.regione.user, DEMO.regione.password);
    const viaRegione = envelope('ricercaMalattiaRequest', { medico: { codiceFiscale: DEMO.medico.user }, lavoratore: { codiceFiscale: 'VRDLGU62T10L219V' } });
    const bandErrors = async (auth: string | undefined, body: string) => {
      const response = parseResponse(await post(gw.endpoint, body, auth === undefined ? {} : { auth }));
      return response.errors;
    };
    const expected = (tipo: string, fascia: string) => [
      {
        tipoErrore: DIAGNOSTICS.FUORI_FASCIA_ORARIA.code,
        sezioneErrata: 'RicercaMalattia',
        descrizione: DIAGNOSTICS.FUORI_FASCIA_ORARIA.testo.replace('{tipo}', tipo).replace('{fascia}', fascia),
      },
    ];

    // 10:00 in Rome (winter, UTC+1).
    gw.clock.set('2026-11-25T09:00:00Z');
    assert.deepEqual(await bandErrors(undefined, ricerca(pin)), expected('medico', '22:00-06:00'));
    assert.deepEqual(await bandErrors(regione, viaRegione), [], 'regione inside 08:00-16:00');
    // 23:30 in Rome.
    gw.clock.set('2026-11-25T22:30:00Z');
    assert.deepEqual(await bandErrors(undefined, ricerca(pin)), [], 'medico inside 22:00-06:00');
    assert.deepEqual(await bandErrors(regione, viaRegione), expected('regione', '08:00-16:00'));
    assert.equal((await fetch(`${gw.url}/CertServiceWeb/CertificatiMedici?wsdl`)).status, 200, 'the WSDL at any hour');
    // 05:59 and 06:00 the next morning; summer time (UTC+2) is Rome's too: 15:59 on 1 July is 13:59Z.
    gw.clock.set('2026-11-26T04:59:00Z');
    assert.deepEqual(await bandErrors(undefined, ricerca(pin)), []);
    gw.clock.set('2026-11-26T05:00:00Z');
    assert.equal((await bandErrors(undefined, ricerca(pin)))[0]?.tipoErrore, '8001');
    gw.clock.set('2026-07-01T13:59:00Z');
    assert.deepEqual(await bandErrors(regione, viaRegione), []);
    gw.clock.set('2026-07-01T14:00:00Z');
    assert.equal((await bandErrors(regione, viaRegione))[0]?.tipoErrore, '8001');
    assert.equal(await gw.gateway.store.countCertificates(), 0);
  });
});

describe('/readyz', () => {
  test('200 when ready; 503 draining once SIGTERM arrives (the real binary), while /healthz-style liveness is separate', async () => {
    const dir = tempDir();
    dataDirs.push(dir);
    const gw = await startCli(dir, {
      track,
      env: { SAC_SHUTDOWN_DEADLINE_MS: '1500', SAC_MIN_BODY_RATE: '0', SAC_HEADERS_TIMEOUT_MS: '600000', SAC_REQUEST_TIMEOUT_MS: '600000' },
    });
    const port = Number(new URL(gw.url).port);
    const ready = await fetch(`${gw.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(((await ready.json()) as { status: string }).status, 'ready');
    // A call in flight keeps the process draining; a connection that has begun its next request is not idle.
    const inFlight = await connect(port);
    inFlight.socket.write(soapHead(port, 100_000, basic(DEMO.medico.user, DEMO.medico.password)));
    const probe = await connect(port);
    probe.socket.write(`GET /readyz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
    await delay(300);
    gw.child.kill('SIGTERM');
    await delay(300);
    probe.socket.write('\r\n');
    for (let i = 0; i < 200 && statusOf(probe.received()) === undefined; i++) await delay(10);
    const text = probe.received();
    assert.equal(statusOf(text), 503, text);
    assert.match(text, /\r\nretry-after: 2\r\n/i);
    assert.match(text, /"status":"draining"/);
    const exit = await gw.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, gw.output());
  });
});

test('the fault texts asserted here are the catalog\'s', () => {
  assert.match(FAULTS.OVERLOADED.faultstring.replace('{secondi}', '3'), OVERLOADED);
  assert.match(FAULTS.RATE_LIMITED.faultstring.replace('{secondi}', '3'), RATE_LIMITED);
});
