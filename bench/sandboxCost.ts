/**
 * What the sandbox adds to the request hot path, in-process: the SOAP
 * pipeline (real parse, envelope, XSD, response writer) on the contract's
 * InviaMalattia fixture with a handler that answers a fixed ricevutaOk, and
 * a real SQLite store for the settings. Runs, interleaved rounds:
 *   off        SAC_SANDBOX=0: no state source, the gateway's clock
 *   on         SAC_SANDBOX=1, a user without settings (two cached look-ups)
 *   shifted    SAC_SANDBOX=1, a user whose clock is shifted
 *   look-ups   Sandbox.stateFor + clockFor alone, a user without settings
 * Prints µs per request.   node dist/bench/sandboxCost.js [iterations]
 */
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { PROJECT_ROOT } from '../src/contract/files.js';
import { OPERATIONS } from '../src/contract/operations.js';
import { MaintenanceSchedule } from '../src/sac/maintenance.js';
import { systemClock, type Clock } from '../src/sac/services.js';
import { Sandbox } from '../src/sandbox/sandbox.js';
import { SoapPipeline, type ServiceStateNow, type SoapHandlerTable } from '../src/soap/pipeline.js';
import type { UserRecord } from '../src/store/port.js';
import { openStore } from '../src/store/open.js';
import { ContractSchema } from '../src/xml/schema.js';
import { CERTIFICATI_MEDICI } from '../src/contract/service.js';

const iterations = Number(process.argv[2] ?? 20_000);
const payload = readFileSync(`${PROJECT_ROOT}fixtures/contract/invioMalattiaRequest.xml`, 'utf8').replace(/^<\?xml[^>]*\?>\s*/, '');
const body = Buffer.from(
  `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>${payload}</soapenv:Body></soapenv:Envelope>`,
);
const dir = mkdtempSync(path.join(tmpdir(), 'sac-bench-'));
const store = openStore({ dataDir: dir });
const config = loadConfig({ SAC_DATA_DIR: dir, SAC_SANDBOX: '1' });
const maintenance = new MaintenanceSchedule(config.maintenance, systemClock);
const sandbox = new Sandbox({ store: store.sandbox, clock: systemClock, maintenance, maintenanceConfig: config.maintenance, limits: config.sandbox });
await store.sandbox.setShift('SHIFTED', { offsetMs: 2 * 86_400_000, setAt: Date.now() });

const schema = ContractSchema.load();
// The handler reads the clock once, as InviaMalattia does.
const handlers: SoapHandlerTable<UserRecord, Clock> = {
  InviaMalattia: (_request, _caller, clock) => ({ ok: { dataRicezione: clock.now().toISOString(), idCertificato: '1234567890' } }),
};
const user = (username: string): UserRecord => ({ username, kind: 'medico', passwordHash: '', pincodeHash: null, codiceRegione: null, codiceAsl: null, codiceStruttura: null });
const callOf = (caller: UserRecord) => ({ body, contentType: 'text/xml; charset=utf-8', soapAction: undefined, caller, clientAddress: '127.0.0.1' });
const plain = callOf(user('PLAIN'));
const shifted = callOf(user('SHIFTED'));
const service = {
  contract: CERTIFICATI_MEDICI,
  schema,
  allowedKinds: Object.fromEntries(OPERATIONS.map((op) => [op.name, ['medico']])),
  kindOf: (caller: UserRecord) => caller.kind,
  kindRefused: () => [],
  handlers,
};
const off = new SoapPipeline<UserRecord, Clock>({ ...service, servicesFor: () => systemClock });
const on = new SoapPipeline<UserRecord, Clock>({ ...service, servicesFor: (call) => sandbox.clockFor(call.caller.username), stateNow: sandbox.stateFor as ServiceStateNow<UserRecord> });
const invia = OPERATIONS[0]!;

const runs: Array<[string, () => unknown, boolean]> = [
  ['off', () => off.handle(plain), false],
  ['on', () => on.handle(plain), false],
  ['shifted', () => on.handle(shifted), false],
  ['look-ups', () => (sandbox.stateFor(plain, invia), sandbox.clockFor('PLAIN').now()), true],
];
const totals = new Map<string, number[]>(runs.map(([label]) => [label, []]));
for (let round = 0; round < 6; round++) {
  for (const [label, fn, sync] of runs) {
    const n = sync ? iterations * 20 : iterations;
    for (let i = 0; i < n / 10; i++) await fn(); // warm-up
    const started = process.hrtime.bigint();
    if (sync) for (let i = 0; i < n; i++) fn();
    else for (let i = 0; i < n; i++) await fn();
    if (round > 0) totals.get(label)!.push(Number(process.hrtime.bigint() - started) / 1_000 / n);
  }
}
for (const [label, samples] of totals) {
  samples.sort((a, b) => a - b);
  process.stdout.write(`${label}: median ${samples[Math.floor(samples.length / 2)]!.toFixed(3)} µs per request (min ${samples[0]!.toFixed(3)})\n`);
}
schema.dispose();
await store.close();
rmSync(dir, { recursive: true, force: true });
