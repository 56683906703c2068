/**
 * `sac-gateway batch --dry-run`: every file checked here, against the same
 * contract schema the gateway compiles, and nothing sent. A file is `valid`
 * (it would reach the gateway's rules), `refused` with the schema's
 * diagnostics (tipoErrore and sezioneErrata, as the gateway would answer them),
 * or `invalid` (not a request of the contract, or not well-formed XML).
 * Business rules (dates, codici fiscali, the registry) need the gateway: a
 * valid file may still be refused by it. Its own report, never the journal
 * that a real run resumes from.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { SoapFault, type Diagnostic } from '../catalog/diagnostics.js';
import { resolveCharset } from '../soap/charset.js';
import { readEnvelope } from '../soap/envelope.js';
import { OperationIndex } from '../soap/service.js';
import { CERTIFICATI_MEDICI } from '../contract/service.js';
import { parseXml } from '../xml/parse.js';
import type { ContractSchema } from '../xml/schema.js';
import { csvField } from './journal.js';
import { prepareRequest } from './request.js';
import type { SourceFile } from './sources.js';

export interface DryRunTally {
  files: number;
  valid: number;
  refused: number;
  invalid: number;
  ignored: number;
}

export interface DryRunEntry {
  readonly file: string;
  readonly operation?: string;
  readonly outcome: 'valid' | 'refused' | 'invalid' | 'ignored';
  readonly errors?: readonly Diagnostic[];
  readonly reason?: string;
}

/** The operations a batch file may name: CertificatiMedici's, in its namespace. */
const CERTIFICATI_MEDICI_OPERATIONS = new OperationIndex(CERTIFICATI_MEDICI);

export const DRY_RUN_CSV_HEADER = 'file,operazione,esito,errori,dettaglio';

/** One file, checked: bounded by MAX_FILE_BYTES (its source) and by the gateway's XML limits. */
export async function checkFile(file: SourceFile, schema: ContractSchema): Promise<DryRunEntry> {
  if (file.ignored !== undefined) return { file: file.name, outcome: 'ignored', reason: file.ignored };
  const got = await file.read();
  if (!got.ok) return { file: file.name, outcome: 'invalid', reason: got.reason };
  const prepared = prepareRequest(got.bytes);
  if (!prepared.ok) return { file: file.name, outcome: 'invalid', reason: prepared.problem };
  const operation = prepared.operation.name;
  try {
    const doc = parseXml(prepared.body, resolveCharset(prepared.contentType, prepared.body));
    try {
      const envelope = readEnvelope(doc, CERTIFICATI_MEDICI_OPERATIONS);
      const errors = schema.validateNode(envelope.payload);
      return errors.length === 0 ? { file: file.name, operation, outcome: 'valid' } : { file: file.name, operation, outcome: 'refused', errors };
    } finally {
      doc.dispose();
    }
  } catch (err) {
    if (err instanceof SoapFault) return { file: file.name, operation, outcome: 'invalid', reason: err.message };
    throw err;
  }
}

export function dryRunRow(e: DryRunEntry): string {
  const errors = (e.errors ?? []).map((x) => `${x.tipoErrore}:${x.sezioneErrata}`).join(' ');
  return [e.file, e.operation ?? '', e.outcome, errors, e.reason ?? ''].map(csvField).join(',');
}

/** Check every file, one at a time (CPU-bound: no concurrency to gain), writing the CSV as it goes. */
export async function dryRun(files: AsyncIterable<SourceFile>, schema: ContractSchema, csvPath: string): Promise<DryRunTally> {
  const tally: DryRunTally = { files: 0, valid: 0, refused: 0, invalid: 0, ignored: 0 };
  const out = createWriteStream(csvPath, { encoding: 'utf8' });
  try {
    out.write(`${DRY_RUN_CSV_HEADER}\n`);
    for await (const file of files) {
      const entry = await checkFile(file, schema);
      tally.files++;
      tally[entry.outcome]++;
      if (!out.write(`${dryRunRow(entry)}\n`)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  return tally;
}
