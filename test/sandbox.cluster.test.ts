/**
 * The sandbox's settings across cluster workers (SAC_WORKERS=2, the real
 * binary): a user's requests land on either worker, each on a new
 * connection, yet every one sees the clock shift set through the other, and
 * an injection of N answers is used exactly N times (the single writer
 * decides each one), whichever worker takes the request.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { rmSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { CERT_PEM_PATH } from '../src/http/contractRoutes.js';
import { addDays, romeDate } from '../src/domain/dates.js';
import { startCli, type CliGateway } from './support/cliGateway.js';
import { tempDir } from './support/gateway.js';
import { envelope, invioMalattia } from './support/requests.js';
import { DEMO, basic, parseResponse, type SoapResult } from './support/soapClient.js';

const MEDICO = basic(DEMO.medico.user, DEMO.medico.password);

/** One request on a connection of its own (no keep-alive), so the cluster may hand it to either worker. */
function fresh(url: string, method: string, body: string, headers: Record<string, string>): Promise<SoapResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, headers: { ...headers, connection: 'close', 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
        resolve({ status: res.statusCode ?? 0, headers: h, text });
      });
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

describe('sandbox settings across two cluster workers', () => {
  const children: ChildProcess[] = [];
  const dataDir = tempDir();
  let gw: CliGateway;
  let pin: string;

  before(async () => {
    gw = await startCli(dataDir, { env: { SAC_WORKERS: '2', SAC_IDEMPOTENCY_WINDOW: '0' }, track: (c) => children.push(c) });
    const pem = await (await fetch(`${gw.url}${CERT_PEM_PATH}`)).text();
    pin = encryptField(pem, DEMO.medico.pincode);
  });
  after(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  const soap = (body: string) => fresh(gw.endpoint, 'POST', body, { authorization: MEDICO, 'content-type': 'text/xml; charset=utf-8' });
  const setting = (path: string, fields: Record<string, string>) =>
    fresh(`${gw.url}${path}`, 'POST', new URLSearchParams(fields).toString(), {
      authorization: MEDICO,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    });

  test('a clock shift set on one worker holds on every request, and N injected answers are used exactly N times', async () => {
    const tomorrow = addDays(romeDate(new Date()), 1);
    assert.equal((await setting('/sandbox/orologio', { scarto: '+1d' })).status, 200);
    for (let i = 0; i < 6; i++) {
      const r = parseResponse(await soap(envelope('invioMalattiaRequest', invioMalattia(tomorrow, { medico: { pincode: pin } }))));
      assert.deepEqual(r.errors, [], `request ${i}`);
      assert.ok(r.ok.dataRicezione!.startsWith(tomorrow), `request ${i}: ${r.ok.dataRicezione}`);
    }

    assert.equal((await setting('/sandbox/guasti', { esito: 'non_disponibile', numero: '4', secondi: '1' })).status, 200);
    const ask = envelope('interrogazioneLavoratoreRequest', { medico: { pincode: pin }, lavoratore: { codiceFiscale: 'RSSMRA80A01H501U' } });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await soap(ask)).status);
    assert.deepEqual(statuses, [503, 503, 503, 503, 200, 200, 200, 200, 200, 200]);

    // Concurrently, from both workers at once: still exactly N.
    assert.equal((await setting('/sandbox/guasti', { esito: 'non_disponibile', numero: '5', secondi: '1' })).status, 200);
    const burst = await Promise.all(Array.from({ length: 12 }, () => soap(ask)));
    assert.equal(burst.filter((r) => r.status === 503).length, 5);
    assert.equal(burst.filter((r) => r.status === 200).length, 7);
  });
});
