/**
 * A retrying client nobody here wrote for the sandbox: `sac-gateway batch`
 * (the real binary in a child process) against a real gateway whose sandbox
 * makes the batch user's next four requests answer the unavailable fault
 * with Retry-After. The batch retries them, honouring Retry-After, and every
 * certificate is created once; the injection is used up exactly.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { PROJECT_ROOT } from '../src/contract/files.js';
import { addDays, romeDate } from '../src/domain/dates.js';
import { startGateway, tempDir, type Running } from './support/gateway.js';
import { DEMO, basic } from './support/soapClient.js';

const CLI = path.join(PROJECT_ROOT, 'dist', 'src', 'cli.js');
const TEMPLATE = path.join(PROJECT_ROOT, 'fixtures', 'batch', 'sample', '02-invio-nudo.xml');

function runBatch(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'batch', ...args], {
    env: { PATH: process.env.PATH ?? '', SAC_USERNAME: DEMO.medico.user, SAC_PASSWORD: DEMO.medico.password },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const limit = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 120_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(limit);
      resolve({ code, stderr });
    }),
  );
}

describe('sac-gateway batch through injected unavailability', () => {
  let gw: Running;
  const dir = tempDir('sac-sandbox-batch-');
  before(async () => {
    gw = await startGateway();
  });
  after(async () => {
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('four injected 503s with Retry-After are retried; all three certificates are created once', async () => {
    const set = await fetch(`${gw.url}/sandbox/guasti`, {
      method: 'POST',
      headers: { authorization: basic(DEMO.medico.user, DEMO.medico.password), accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'esito=non_disponibile&numero=4&secondi=1&operazione=InviaMalattia',
    });
    assert.equal(set.status, 200, await set.text());

    const folder = path.join(dir, 'lotto');
    mkdirSync(folder);
    const today = romeDate(new Date());
    const pem = gw.gateway.pincodeKey.certificatePem;
    const template = readFileSync(TEMPLATE, 'utf8');
    for (let i = 0; i < 3; i++) {
      const text = template
        .replace('più tosse', `tosse ${i}`)
        .replace(/OGGI/g, today)
        .replace(/TRA3/g, addDays(today, 3))
        // Last: Base64 can spell OGGI or TRA3.
        .replace(/PINCODE_CIFRATO/g, () => encryptField(pem, DEMO.medico.pincode));
      writeFileSync(path.join(folder, `${i}.xml`), text);
    }
    const before = await gw.gateway.store.countCertificates();
    const started = performance.now();
    const run = await runBatch([folder, '--url', gw.endpoint, '--concurrency', '2']);
    assert.equal(run.code, 0, run.stderr);
    const report = readFileSync(`${folder}.report.jsonl`, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.outcome !== 'sending');
    const last = new Map(report.map((e) => [e.file as string, e]));
    assert.equal(last.size, 3);
    assert.ok([...last.values()].every((e) => e.outcome === 'accepted'), JSON.stringify([...last.values()]));
    assert.equal([...last.values()].reduce((n, e) => n + Number(e.attempts) - 1, 0), 4, 'exactly the four injected answers were retried');
    assert.ok(performance.now() - started >= 1_000, 'Retry-After was honoured');
    assert.equal((await gw.gateway.store.countCertificates()) - before, 3, 'each certificate created once');
  });
});
