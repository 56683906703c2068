/**
 * `sac-gateway batch FOLDER --url URL`: send every request file of a folder
 * to a gateway (src/batch/), with credentials from SAC_USERNAME/SAC_PASSWORD
 * or --credentials FILE (never the command line), and write the report.
 * Exit status: 0 every file accepted; 5 every file answered, not all
 * accepted; 6 some files have no answer yet (run again to resume).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCommand, stringValue, usageError, type CommandSpec } from './command.js';
import { emptyTally, runBatch, sendingHandler } from '../batch/run.js';
import { Sender } from '../batch/sender.js';
import { startProgress } from '../batch/progress.js';
import { xmlFiles } from '../batch/sources.js';
import { dryRun } from '../batch/dryRun.js';
import { ContractSchema } from '../xml/schema.js';

export const NOT_ALL_ACCEPTED_EXIT = 5;
export const UNANSWERED_EXIT = 6;

const BATCH: CommandSpec = {
  name: 'batch',
  positionals: ['FOLDER'],
  options: {
    url: { type: 'string' },
    credentials: { type: 'string' },
    concurrency: { type: 'string' },
    report: { type: 'string' },
    timeout: { type: 'string' },
    retries: { type: 'string' },
    'progress-interval': { type: 'string' },
    'dry-run': { type: 'boolean' },
  },
  usage: `usage: sac-gateway batch FOLDER --url URL [options]

Send every *.xml file under FOLDER (any depth) to the gateway at URL (the
service endpoint, e.g. http://localhost:8080/CertServiceWeb/CertificatiMedici).
A file holds a whole SOAP envelope or a bare request payload, whose root
element names the operation (invioMalattiaRequest, ...): it is wrapped in an
envelope, in its own encoding (UTF-8 or ISO-8859-1).

Credentials: SAC_USERNAME and SAC_PASSWORD, or --credentials FILE whose first
line is USERNAME:PASSWORD. Never on the command line.

The report, REPORT.jsonl (also the run's journal) and REPORT.csv: per file the
operation, the outcome (accepted, refused, fault, failed, invalid), the PUC or
every tipoErrore with its sezioneErrata. Run the same command again after an
interruption: only files with no answer yet are sent. A creating request sent
again after a crash gets the receipt of its first sending (the gateway's
resubmission detection): no certificate is created twice.

  --url URL             the service endpoint (required)
  --credentials FILE    USERNAME:PASSWORD on the first line
  --concurrency N       requests in flight at once (default 4, at most 64)
  --report BASE         report files BASE.jsonl and BASE.csv
                        (default: FOLDER.report beside the folder)
  --timeout S           seconds per attempt (default 30)
  --retries N           retries on 503/429, timeouts and resets (default 8),
                        with exponential backoff and jitter, after Retry-After
  --progress-interval S seconds between progress lines off a terminal (default 10)
  --dry-run             send nothing: check every file here against the contract's
                        schema (the gateway's own XSD) and write REPORT.dry-run.csv
                        (valid, refused with tipoErrore:sezioneErrata, or invalid);
                        no --url or credentials needed. The business rules (dates,
                        codici fiscali, registry) need the gateway.

Exit status: 0 every file accepted (with --dry-run: every file valid); 5 all
answered, not all accepted (with --dry-run: some refused or invalid); 6 some
files have no answer yet (run again); 2 wrong arguments.
`,
};

function intOption(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,9}$/.test(value) || Number(value) < min || Number(value) > max) throw usageError(BATCH, `--${name} must be a whole number from ${min} to ${max}`);
  return Number(value);
}

function credentials(file: string | undefined): { user: string; password: string } {
  let user = process.env.SAC_USERNAME;
  let password = process.env.SAC_PASSWORD;
  if (file !== undefined) {
    let first: string;
    try {
      first = readFileSync(file, 'utf8').split(/\r?\n/, 1)[0] ?? '';
    } catch (err) {
      throw usageError(BATCH, `cannot read --credentials ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    const colon = first.indexOf(':');
    if (colon <= 0) throw usageError(BATCH, `--credentials ${file}: the first line must be USERNAME:PASSWORD`);
    user = first.slice(0, colon);
    password = first.slice(colon + 1);
  }
  if (!user || !password) throw usageError(BATCH, 'credentials missing: set SAC_USERNAME and SAC_PASSWORD, or give --credentials FILE');
  return { user, password };
}

export async function batchCommand(args: string[]): Promise<void> {
  const parsed = parseCommand(BATCH, args);
  if (!parsed) return;
  const folder = parsed.positionals[0]!;
  if (parsed.values['dry-run'] === true) return dryRunCommand(folder, stringValue(parsed, 'report') ?? `${path.resolve(folder)}.report`);
  const urlText = stringValue(parsed, 'url');
  if (urlText === undefined) throw usageError(BATCH, '--url URL is required');
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw usageError(BATCH, '--url is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(BATCH, '--url must be http: or https:');
  const concurrency = intOption('concurrency', stringValue(parsed, 'concurrency'), 4, 1, 64);
  const timeoutS = intOption('timeout', stringValue(parsed, 'timeout'), 30, 1, 3600);
  const retries = intOption('retries', stringValue(parsed, 'retries'), 8, 0, 100);
  const intervalS = intOption('progress-interval', stringValue(parsed, 'progress-interval'), 10, 1, 3600);
  const base = stringValue(parsed, 'report') ?? `${path.resolve(folder)}.report`;
  const { user, password } = credentials(stringValue(parsed, 'credentials'));

  const tally = emptyTally();
  const sender = new Sender({
    url,
    authorization: `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`,
    concurrency,
    timeoutMs: timeoutS * 1000,
    retries,
    backoffBaseMs: 250,
    backoffMaxMs: 30_000,
    onRetry: () => tally.retries++,
  });
  const progress = startProgress(tally, process.stderr, intervalS * 1000);
  try {
    await runBatch({
      files: xmlFiles(folder),
      journalPath: `${base}.jsonl`,
      csvPath: `${base}.csv`,
      concurrency,
      handle: sendingHandler(sender),
      tally,
    });
  } finally {
    progress.stop();
    sender.close();
  }
  process.stdout.write(`report: ${base}.csv ${base}.jsonl\n`);
  if (tally.failed > 0) process.exitCode = UNANSWERED_EXIT;
  else if (tally.refused + tally.fault + tally.invalid + tally.earlierNotAccepted > 0) process.exitCode = NOT_ALL_ACCEPTED_EXIT;
}

/** --dry-run: check every file locally, send nothing, write BASE.dry-run.csv. */
async function dryRunCommand(folder: string, base: string): Promise<void> {
  const schema = ContractSchema.load();
  try {
    const csvPath = `${base}.dry-run.csv`;
    const t = await dryRun(xmlFiles(folder), schema, csvPath);
    process.stdout.write(`file ${t.files}: validi ${t.valid}, rifiutati dallo schema ${t.refused}, non utilizzabili ${t.invalid}\nreport: ${csvPath}\n`);
    if (t.refused + t.invalid > 0) process.exitCode = NOT_ALL_ACCEPTED_EXIT;
  } finally {
    schema.dispose();
  }
}
