/**
 * A real gateway on a loopback port with its own data directory (a real
 * SQLite file, or under the store switch its own PostgreSQL database: see
 * testStore.ts), and a settable clock for rules about days.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { createGateway, type Gateway } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Clock } from '../../src/sac/services.js';
import { withTestStore } from './testStore.js';

export class TestClock implements Clock {
  private instant: Date | undefined;
  set(iso: string | undefined): void {
    this.instant = iso === undefined ? undefined : new Date(iso);
  }
  now(): Date {
    return this.instant ?? new Date();
  }
}

export interface Running {
  readonly gateway: Gateway;
  readonly url: string;
  readonly endpoint: string;
  readonly dataDir: string;
  readonly clock: TestClock;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * For test files that send the same request several times meaning distinct
 * certificates or admissions (the same admission for one worker, again and
 * again): resubmission detection off. It is on by default and tested in
 * gateway.idempotency.test.ts.
 */
export const NO_RESUBMISSION_DETECTION: Readonly<Record<string, string>> = { SAC_IDEMPOTENCY_WINDOW: '0' };

export function tempDir(prefix = 'sac-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** `logger`: the gateway's log (silent by default; test/inps.httpPrint.test.ts reads it). */
export async function startGateway(env: Record<string, string> = {}, dataDir = tempDir(), logger: Logger = pino({ level: 'silent' })): Promise<Running> {
  // Under the store switch (SAC_TEST_STORE=postgres) the data directory's own database, unless the caller named one.
  const config: Config = loadConfig(withTestStore({ HOST: '127.0.0.1', PORT: '0', SAC_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env }));
  const clock = new TestClock();
  const gateway = createGateway(config, { clock, logger });
  const url = await gateway.listen();
  return {
    gateway,
    url,
    endpoint: `${url}/CertServiceWeb/CertificatiMedici`,
    dataDir,
    clock,
    async stop(options = {}) {
      await gateway.close();
      if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
