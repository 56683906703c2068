/**
 * What maintenance windows add to the request hot path, in-process: the SOAP
 * pipeline (real parse, envelope, XSD, response writer) on the contract's
 * InviaMalattia fixture with a handler that answers a fixed ricevutaOk, so
 * only the pipeline's own work is timed. Four runs, interleaved rounds:
 *   none       no window configured (no state source: the default)
 *   idle       a window configured, none announced now (one clock read, two comparisons)
 *   announced  a window announced now: one ricevutaInfo/info in every response
 *   schedule   MaintenanceSchedule.stateNow() alone, idle
 *   write      the response writer alone, without and with the notice
 * Prints µs per request.   node dist/bench/maintenanceCost.js [iterations]
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../src/config.js';
import { PROJECT_ROOT } from '../src/contract/files.js';
import { MaintenanceSchedule } from '../src/sac/maintenance.js';
import { OPERATIONS, type OperationName, type OperationSpec } from '../src/contract/operations.js';
import { responseXml, SoapPipeline, type ServiceStateNow, type SoapHandlerTable } from '../src/soap/pipeline.js';
import { ContractSchema } from '../src/xml/schema.js';
import { CERTIFICATI_MEDICI } from '../src/contract/service.js';

const iterations = Number(process.argv[2] ?? 20_000);
const payload = readFileSync(`${PROJECT_ROOT}fixtures/contract/invioMalattiaRequest.xml`, 'utf8').replace(/^<\?xml[^>]*\?>\s*/, '');
const body = Buffer.from(
  `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>${payload}</soapenv:Body></soapenv:Envelope>`,
);
const schema = ContractSchema.load();
const handlers: SoapHandlerTable<null, null> = {
  InviaMalattia: () => ({ ok: { dataRicezione: '2026-12-02T10:00:00.000+01:00', idCertificato: '123456789012345678' } }),
};
const windows = { SAC_MAINTENANCE_WINDOWS: '2026-12-05T18:00:00+01:00/2026-12-06T16:00:00+01:00' };
// Like the system clock: a new Date per call.
const at = (iso: string) => {
  const ms = Date.parse(iso);
  return { now: () => new Date(ms) };
};
const idle = new MaintenanceSchedule(loadConfig(windows).maintenance, at('2026-11-02T10:00:00+01:00'));
const announced = new MaintenanceSchedule(loadConfig(windows).maintenance, at('2026-12-02T10:00:00+01:00'));

function pipeline(state: ServiceStateNow | undefined): SoapPipeline<null, null, OperationSpec> {
  const allowedKinds = Object.fromEntries(OPERATIONS.map((op) => [op.name, ['medico']])) as Record<OperationName, string[]>;
  return new SoapPipeline({ contract: CERTIFICATI_MEDICI, schema, allowedKinds, kindOf: () => 'medico', kindRefused: () => [], handlers, servicesFor: () => null, stateNow: state });
}
const call = { body, contentType: 'text/xml; charset=utf-8', soapAction: undefined, caller: null, clientAddress: '127.0.0.1' };
const runs: Array<[string, () => unknown]> = [
  ['none', () => pipelines.none.handle(call)],
  ['idle', () => pipelines.idle.handle(call)],
  ['announced', () => pipelines.announced.handle(call)],
  ['schedule', () => idle.stateNow()],
  ['write', () => responseXml(CERTIFICATI_MEDICI.namespace, invia, okOutcome)],
  ['write announced', () => responseXml(CERTIFICATI_MEDICI.namespace, invia, okOutcome, announced.stateNow()!.notices)],
];
const invia = OPERATIONS[0]!;
const okOutcome = { ok: { dataRicezione: '2026-12-02T10:00:00.000+01:00', idCertificato: '123456789012345678' } };
const pipelines = { none: pipeline(undefined), idle: pipeline(idle.stateNow), announced: pipeline(announced.stateNow) };
const totals = new Map<string, number[]>(runs.map(([label]) => [label, []]));

for (let round = 0; round < 6; round++) {
  for (const [label, fn] of runs) {
    const sync = label === 'schedule' || label.startsWith('write');
    const n = sync ? iterations * 20 : iterations;
    for (let i = 0; i < n / 10; i++) await fn(); // warm-up
    const started = process.hrtime.bigint();
    if (sync) for (let i = 0; i < n; i++) fn();
    else for (let i = 0; i < n; i++) await fn();
    if (round > 0) totals.get(label)!.push(Number(process.hrtime.bigint() - started) / 1_000 / n);
  }
}
const bytes = (await pipelines.announced.handle(call)).xml.length - (await pipelines.none.handle(call)).xml.length;
for (const [label, samples] of totals) {
  samples.sort((a, b) => a - b);
  process.stdout.write(`${label}: median ${samples[Math.floor(samples.length / 2)]!.toFixed(3)} µs per request (min ${samples[0]!.toFixed(3)})\n`);
}
process.stdout.write(`announced response: ${bytes} bytes longer\n`);
schema.dispose();
