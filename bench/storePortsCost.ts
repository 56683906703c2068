/**
 * What the store's ports cost on the request hot path, in-process (issue 13,
 * asynchronous reads): a real gateway (writer thread, real SQLite file) fed
 * InviaMalattia through Fastify's inject, 64 in flight, and its cached reads
 * alone. Prints, per request: CPU time of the whole process (every thread:
 * the request thread and the writer), wall time, and µs per cached read.
 *   node dist/bench/storePortsCost.js [requests]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createGateway } from '../src/app.js';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { loadConfig } from '../src/config.js';
import { romeDate } from '../src/domain/dates.js';
import { loadDemoData } from '../src/seed.js';
import { basic, invioMalattia, line, soapAction, USERS } from './lib/requests.js';

const requests = Number(process.argv[2] ?? 20_000);
const IN_FLIGHT = 64;
const ROUNDS = 5;
const dir = mkdtempSync(path.join(tmpdir(), 'sac-portsbench-'));
const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', SAC_DATA_DIR: dir, LOG_LEVEL: 'silent', SAC_IDEMPOTENCY_WINDOW: '0', SAC_RATE_LIMITS: 'off' });
const gateway = createGateway(config, { logger: pino({ level: 'silent' }) });
await gateway.listen();
const worker = loadDemoData().persons[0]!.codiceFiscale;
const medico = { pincode: encryptField(gateway.pincodeKey.certificatePem, USERS.medico.pincode) };
const payload = line('InviaMalattia', '', invioMalattia(romeDate(new Date()), medico, worker)).body;
const headers = { authorization: basic(USERS.medico.user, USERS.medico.password), 'content-type': 'text/xml; charset=utf-8', soapaction: soapAction('InviaMalattia') };

async function batch(n: number): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < n) {
      next++;
      const r = await gateway.server.inject({ method: 'POST', url: '/CertServiceWeb/CertificatiMedici', headers, payload });
      if (r.statusCode !== 200 || !r.body.includes('idCertificato')) throw new Error(`unexpected answer ${r.statusCode}: ${r.body.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
}

async function perCall(label: string, fn: () => unknown, n = 500_000): Promise<void> {
  for (let i = 0; i < 20_000; i++) await fn();
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  process.stdout.write(`${label}: ${(Number(process.hrtime.bigint() - started) / 1_000 / n).toFixed(3)} µs per call\n`);
}

await batch(2_000); // warm-up
const cpu: number[] = [];
const wall: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await batch(requests / ROUNDS);
  const c = process.cpuUsage(c0);
  wall.push(Number(process.hrtime.bigint() - t0) / 1_000 / (requests / ROUNDS));
  cpu.push((c.user + c.system) / (requests / ROUNDS));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
process.stdout.write(`InviaMalattia via inject, ${IN_FLIGHT} in flight: CPU ${median(cpu).toFixed(1)} µs/request (rounds ${cpu.map((x) => x.toFixed(0)).join(' ')}), wall ${median(wall).toFixed(1)} µs/request\n`);
await perCall('store.findUser (cached)', () => gateway.store.findUser(USERS.medico.user));
await perCall('store.findPerson (cached)', () => gateway.store.findPerson(worker));
await gateway.close();
rmSync(dir, { recursive: true, force: true });
