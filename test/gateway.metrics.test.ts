/**
 * GET /metrics: Prometheus text that a strict reader accepts, whose counters
 * move with the calls answered (ok, ricevutaNonOk, a fault, a 401), whose
 * labels never carry a username; summed over the workers of the real binary
 * under SAC_WORKERS=2; off, or on a listener of its own, when configured.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { romeDate } from '../src/domain/dates.js';
import { DEMO, basic, parseResponse, post } from './support/soapClient.js';
import { freePort, startCli } from './support/cliGateway.js';
import { startGateway, tempDir, type Running } from './support/gateway.js';
import { edgeTestResources } from './support/rawHttp.js';
import { envelope, invioMalattia } from './support/requests.js';
import { parsePrometheus, type Exposition } from './support/prometheus.js';

const { track, dataDirs } = edgeTestResources();

async function scrape(url: string): Promise<{ text: string; metrics: Exposition }> {
  const response = await fetch(`${url}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  return { text, metrics: parsePrometheus(text) };
}

describe('one process', () => {
  let gw: Running;
  before(async () => {
    gw = await startGateway();
  });
  after(async () => {
    await gw.stop();
  });

  test('counters move with ok, ricevutaNonOk, a fault and a 401; labels are bounded', async () => {
    const before = (await scrape(gw.url)).metrics;
    assert.equal(before.types.get('sac_requests_total'), 'counter');
    assert.equal(before.types.get('sac_request_duration_seconds'), 'histogram');
    assert.equal(before.sum('sac_requests_total'), 0);
    assert.ok(before.types.has('process_cpu_user_seconds_total'), 'the default process metrics are there');

    const pin = encryptField(gw.gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
    const today = romeDate(new Date());
    const good = envelope('invioMalattiaRequest', invioMalattia(today, { medico: { pincode: pin } }));
    assert.deepEqual(parseResponse(await post(gw.endpoint, good)).errors, []);
    const refused = parseResponse(await post(gw.endpoint, good.replace(`<dataFine>${today}</dataFine>`, '<dataFine>2026-02-31</dataFine>')));
    assert.equal(refused.errors[0]?.tipoErrore, '4001');
    assert.equal((await post(gw.endpoint, good.replace('</soapenv:Envelope>', ''))).status, 500);
    assert.equal((await post(gw.endpoint, good, { auth: basic(DEMO.medico.user, 'Sbagliata.123') })).status, 401);

    const { text, metrics } = await scrape(gw.url);
    assert.equal(metrics.value('sac_requests_total', { operation: 'InviaMalattia', outcome: 'ok' }), 1);
    assert.equal(metrics.value('sac_requests_total', { operation: 'InviaMalattia', outcome: 'ricevutaNonOk' }), 1);
    assert.equal(metrics.value('sac_requests_total', { operation: 'unknown', outcome: 'UNAUTHORIZED' }), 1);
    assert.equal(metrics.sum('sac_requests_total'), 4);
    assert.equal(metrics.value('sac_request_duration_seconds_count', { operation: 'InviaMalattia' }), 2);
    assert.ok(metrics.value('sac_request_duration_seconds_sum', { operation: 'InviaMalattia' })! > 0);
    assert.equal(metrics.value('sac_diagnostics_total', { tipoErrore: '4001' }), 1);
    // The fault and the 401, by key; nothing else was refused.
    assert.equal(metrics.value('sac_refusals_total', { reason: 'UNAUTHORIZED' }), 1);
    const faults = metrics.samples.filter((s) => s.name === 'sac_refusals_total' && s.labels.reason !== 'UNAUTHORIZED');
    assert.equal(faults.length, 1);
    assert.equal(faults[0]!.value, 1);
    assert.equal(metrics.value('sac_requests_total', { operation: 'unknown', outcome: faults[0]!.labels.reason! }), 1);
    assert.equal(metrics.value('sac_logins_total', { result: 'invalid' }), 1);
    assert.ok(metrics.value('sac_logins_total', { result: 'accepted' })! >= 3);
    assert.equal(metrics.value('sac_requests_in_flight'), 0);
    // The failed login's journal entry is written after its 401 has left: the backlog drains to 0.
    let backlog = metrics.value('sac_store_write_backlog');
    for (let i = 0; i < 100 && backlog !== 0; i++) {
      await delay(20);
      backlog = (await scrape(gw.url)).metrics.value('sac_store_write_backlog');
    }
    assert.equal(backlog, 0);
    assert.equal(metrics.value('sac_login_hash_queue', { state: 'waiting' }), 0);
    for (const secret of [DEMO.medico.user, 'Sbagliata', pin.slice(0, 20), '345.1']) assert.ok(!text.includes(secret), `metrics contain ${secret}`);
  });
});

describe('the real binary', () => {
  test('SAC_WORKERS=2: /metrics is the sum over the workers, whichever answers', async () => {
    const dataDir = tempDir();
    dataDirs.push(dataDir);
    const cli = await startCli(dataDir, { track, env: { SAC_WORKERS: '2', LOG_LEVEL: 'info', SAC_LOG_FLUSH_MS: '50' } });
    const calls = 12;
    // A 401 closes its connection: each call comes on a new one, which the cluster hands round the workers.
    // Unknown usernames, one each: no username throttle, and 12 stay below the address's free failures.
    for (let i = 0; i < calls; i++) assert.equal((await post(cli.endpoint, '<x/>', { auth: basic(`sconosciuto${i}`, 'Sbagliata.123') })).status, 401);
    for (let i = 0; i < 4; i++) {
      const { metrics } = await scrape(cli.url);
      assert.equal(metrics.value('sac_requests_total', { operation: 'unknown', outcome: 'UNAUTHORIZED' }), calls);
      assert.equal(metrics.value('sac_refusals_total', { reason: 'UNAUTHORIZED' }), calls);
      assert.equal(metrics.value('sac_request_duration_seconds_count', { operation: 'unknown' }), calls);
      assert.equal(metrics.value('sac_logins_total', { result: 'invalid' }), calls);
    }
    // The access lines say which process answered each call (written within SAC_LOG_FLUSH_MS).
    const soapLines = () => cli.output().split('\n').filter((l) => l.includes('"msg":"soap call"'));
    for (let i = 0; i < 100 && soapLines().length < calls; i++) await delay(50);
    const pids = new Set(soapLines().map((l) => (JSON.parse(l) as { pid: number }).pid));
    assert.equal(pids.size, 2, 'both workers answered calls');
    cli.child.kill('SIGTERM');
    assert.equal((await cli.exited).code, 0);
  });

  test('SAC_METRICS=off: not served; SAC_METRICS=HOST:PORT: served there only', async () => {
    const off = tempDir();
    dataDirs.push(off);
    const cliOff = await startCli(off, { track, env: { SAC_METRICS: 'off' } });
    assert.equal((await fetch(`${cliOff.url}/metrics`)).status, 404);
    cliOff.child.kill('SIGTERM');
    await cliOff.exited;

    const own = tempDir();
    dataDirs.push(own);
    const port = await freePort();
    const cli = await startCli(own, { track, env: { SAC_METRICS: `127.0.0.1:${port}` } });
    assert.equal((await fetch(`${cli.url}/metrics`)).status, 404);
    await post(cli.endpoint, '<x/>', { auth: null });
    const { metrics } = await scrape(`http://127.0.0.1:${port}`);
    assert.equal(metrics.value('sac_refusals_total', { reason: 'UNAUTHORIZED' }), 1);
    assert.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);
    cli.child.kill('SIGTERM');
    assert.equal((await cli.exited).code, 0);
  });
});

test('SAC_METRICS is validated', () => {
  for (const bad of ['maybe', '127.0.0.1', '127.0.0.1:0', 'host:99999', ':9464']) {
    assert.throws(() => loadConfig({ SAC_METRICS: bad }), (err: unknown) => err instanceof ConfigError && /SAC_METRICS/.test(err.message), bad);
  }
  assert.deepEqual(loadConfig({}).observability.metrics, { kind: 'on' });
  assert.deepEqual(loadConfig({ SAC_METRICS: '[::1]:9464' }).observability.metrics, { kind: 'listen', host: '::1', port: 9464 });
  assert.throws(() => loadConfig({ SAC_LOG_BUFFER_BYTES: '-1' }), /SAC_LOG_BUFFER_BYTES/);
});
