/**
 * The login's cost on the request hot path, in-process: a client sending the
 * right credentials on every request (the verdict cache answers), through
 * LoginGuard.authenticate, against a real SQLite store. Also the store's
 * findUser alone (it now reads the users epoch). Prints µs per call.
 *   node dist/bench/loginPath.js [iterations]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LoginGuard } from '../src/auth/login.js';
import { hashSecret } from '../src/auth/passwords.js';
import { openStore } from '../src/store/open.js';

const iterations = Number(process.argv[2] ?? 200_000);
const dir = mkdtempSync(path.join(tmpdir(), 'sac-loginbench-'));
const store = openStore({ dataDir: dir });
const user = 'MDCTST70A01H501K';
await store.putUser({ username: user, kind: 'medico', passwordHash: hashSecret('Demo.Medico.2026'), pincodeHash: null, codiceRegione: '120', codiceAsl: null, codiceStruttura: null });
const guard = new LoginGuard({ store });
const header = `Basic ${Buffer.from(`${user}:Demo.Medico.2026`).toString('base64')}`;
const signal = new AbortController().signal;

async function perCall(label: string, fn: () => unknown): Promise<void> {
  for (let i = 0; i < 20_000; i++) await fn(); // warm-up (and the one scrypt)
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await fn();
  const us = Number(process.hrtime.bigint() - started) / 1_000 / iterations;
  process.stdout.write(`${label}: ${us.toFixed(2)} µs per call\n`);
}

await perCall('store.findUser (cached, with the users-epoch read)', () => store.findUser(user));
await perCall('LoginGuard.authenticate (right credentials, cached verdict)', () => guard.authenticate(header, '127.0.0.1', signal));
await store.close();
rmSync(dir, { recursive: true, force: true });
