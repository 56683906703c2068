/**
 * `sac-gateway batch FOLDER|FILE.zip|- --url URL`: send every request file of a
 * folder, a zip archive or standard input to a gateway (src/batch/), with
 * credentials from SAC_USERNAME/SAC_PASSWORD
 * or --credentials FILE (never the command line), and write the report.
 * Exit status: 0 every file accepted; 5 every file answered, not all
 * accepted; 6 some files have no answer yet (run again to resume); 7 the
 * input could not be read to its end.
 */
import { closeSync, createReadStream, openSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseCommand, stringValue, usageError, type CommandSpec } from './command.js';
import { emptyTally, runBatch, sendingHandler } from '../batch/run.js';
import { Sender } from '../batch/sender.js';
import { startProgress } from '../batch/progress.js';
import { BatchSourceError, countXmlFiles, MAX_FILE_BYTES, readCapped, xmlFiles, type SourceFile } from '../batch/sources.js';
import { countZipEntries, DEFAULT_ZIP_MAX_TOTAL_BYTES, openZip, zipEntries } from '../batch/zipSource.js';
import { readStdin } from '../batch/stdinSource.js';
import { dryRun } from '../batch/dryRun.js';
import { ContractSchema } from '../xml/schema.js';

export const NOT_ALL_ACCEPTED_EXIT = 5;
export const UNANSWERED_EXIT = 6;
/** The input could not be read to its end (a broken archive): what was sent is in the report. */
export const UNREADABLE_INPUT_EXIT = 7;

const BATCH: CommandSpec = {
  name: 'batch',
  positionals: ['INPUT'],
  options: {
    url: { type: 'string' },
    credentials: { type: 'string' },
    concurrency: { type: 'string' },
    report: { type: 'string' },
    timeout: { type: 'string' },
    retries: { type: 'string' },
    'progress-interval': { type: 'string' },
    'dry-run': { type: 'boolean' },
    'max-unzipped-mb': { type: 'string' },
  },
  usage: `usage: sac-gateway batch FOLDER|FILE.zip|FILE.xml|- --url URL [options]

Send every *.xml file under FOLDER (any depth), every *.xml entry of a zip
archive, or one XML file to the gateway at URL (the service endpoint, e.g.
http://localhost:8080/CertServiceWeb/CertificatiMedici). '-' reads standard
input: a zip archive (recognised by its first bytes) or one XML request.
A file holds a whole SOAP envelope or a bare request payload, whose root
element names the operation (invioMalattiaRequest, ...): it is wrapped in an
envelope, in its own encoding (UTF-8 or ISO-8859-1).

Credentials: SAC_USERNAME and SAC_PASSWORD, or --credentials FILE whose first
line is USERNAME:PASSWORD. Never on the command line.

The report, REPORT.jsonl (also the run's journal) and REPORT.csv: per file the
operation, the outcome (accepted, refused, fault, failed, invalid), the PUC or
every tipoErrore with its sezioneErrata. A zip entry is named
ARCHIVE.zip!path/in/zip.xml (entries that are no .xml are listed as ignored);
standard input is named stdin-HASH.zip!path or stdin-HASH.xml, HASH from its
bytes (piping the same bytes again resumes). Run the same command again after
an interruption: only files with no answer yet are sent. A creating request sent
again after a crash gets the receipt of its first sending (the gateway's
resubmission detection): no certificate is created twice.

  --url URL             the service endpoint (required)
  --credentials FILE    USERNAME:PASSWORD on the first line
  --concurrency N       requests in flight at once (default 4, at most 64)
  --report BASE         report files BASE.jsonl and BASE.csv (default:
                        INPUT.report beside the folder or file; for '-',
                        stdin.report in the current folder)
  --timeout S           seconds per attempt (default 30)
  --retries N           retries on 503/429, timeouts and resets (default 8),
                        with exponential backoff and jitter, after Retry-After
  --progress-interval S seconds between progress lines off a terminal (default 10);
                        on a terminal a bar redrawn in place
  --max-unzipped-mb N   bytes inflated from an archive in one run, in MiB
                        (default 2048): the entries past it are left for the
                        next run (zip bombs get bounded work); one entry is
                        at most 16 MiB
  --dry-run             send nothing: check every file here against the contract's
                        schema (the gateway's own XSD) and write REPORT.dry-run.csv
                        (valid, refused with tipoErrore:sezioneErrata, or invalid);
                        no --url or credentials needed. The business rules (dates,
                        codici fiscali, registry) need the gateway.

Exit status: 0 every file accepted (with --dry-run: every file valid); 5 all
answered, not all accepted (with --dry-run: some refused or invalid); 6 some
files have no answer yet (run again); 7 the input could not be read to its end
(a broken archive: what was answered is in the report); 2 wrong arguments.
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

/** What INPUT holds, opened: the files, a way to count them for the progress bar, the default report base. */
interface BatchInput {
  readonly files: AsyncIterable<SourceFile>;
  readonly count?: () => Promise<number>;
  readonly defaultBase: string;
}

function startsLikeZip(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(4);
    return readSync(fd, b, 0, 4, 0) === 4 && (b.readUInt32LE(0) === 0x04034b50 || b.readUInt32LE(0) === 0x06054b50);
  } finally {
    closeSync(fd);
  }
}

async function openInput(input: string, maxUnzipped: number): Promise<BatchInput> {
  if (input === '-') {
    if (process.stdin.isTTY) throw usageError(BATCH, "'-' reads standard input: pipe a .zip archive or one XML request into it");
    const got = await readStdin(process.stdin);
    const defaultBase = path.resolve('stdin.report');
    if (got.kind === 'xml') return { files: one(got.file), count: async () => 1, defaultBase };
    const fd = got.fd;
    // The spool is unlinked: a second reader for the count comes from /proc where there is one (Linux), else no count.
    const count = async () => countZipEntries(() => openZip(openSync(`/proc/self/fd/${fd}`, 'r')));
    return { files: zipEntries(await openZip(fd), got.label, { maxTotalBytes: maxUnzipped }), count, defaultBase };
  }
  let kind: 'folder' | 'zip' | 'file';
  try {
    const st = statSync(input);
    if (st.isDirectory()) kind = 'folder';
    else if (st.isFile()) kind = input.toLowerCase().endsWith('.zip') || startsLikeZip(input) ? 'zip' : 'file';
    else throw usageError(BATCH, `${input} is neither a folder nor a file`);
  } catch (err) {
    if (err instanceof Error && err.name === 'UsageError') throw err;
    throw usageError(BATCH, `cannot read ${input}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const defaultBase = `${path.resolve(input)}.report`;
  if (kind === 'folder') return { files: xmlFiles(input), count: () => countXmlFiles(input), defaultBase };
  if (kind === 'zip') {
    const label = path.basename(input);
    return { files: zipEntries(await openZip(input), label, { maxTotalBytes: maxUnzipped }), count: () => countZipEntries(() => openZip(input)), defaultBase };
  }
  const file: SourceFile = { name: path.basename(input), read: () => readCapped(createReadStream(input), MAX_FILE_BYTES) };
  return { files: one(file), count: async () => 1, defaultBase };
}

async function* one(file: SourceFile): AsyncGenerator<SourceFile> {
  yield file;
}

export async function batchCommand(args: string[]): Promise<void> {
  const parsed = parseCommand(BATCH, args);
  if (!parsed) return;
  const inputArg = parsed.positionals[0]!;
  const maxUnzipped = intOption('max-unzipped-mb', stringValue(parsed, 'max-unzipped-mb'), DEFAULT_ZIP_MAX_TOTAL_BYTES / 1024 / 1024, 1, 1024 * 1024) * 1024 * 1024;
  try {
    await batchRun(parsed, inputArg, maxUnzipped);
  } catch (err) {
    if (!(err instanceof BatchSourceError)) throw err;
    // The input cannot be read (a broken archive): what was answered is in the journal.
    process.stderr.write(`sac-gateway batch: ${err.message}\n`);
    process.exitCode = UNREADABLE_INPUT_EXIT;
  }
}

async function batchRun(parsed: NonNullable<ReturnType<typeof parseCommand>>, inputArg: string, maxUnzipped: number): Promise<void> {
  if (parsed.values['dry-run'] === true) {
    const input = await openInput(inputArg, maxUnzipped);
    return dryRunCommand(input, stringValue(parsed, 'report') ?? input.defaultBase);
  }
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
  const { user, password } = credentials(stringValue(parsed, 'credentials'));
  const input = await openInput(inputArg, maxUnzipped);
  const base = stringValue(parsed, 'report') ?? input.defaultBase;

  const tally = emptyTally();
  input.count?.().then(
    (n) => (tally.expected = n),
    () => undefined, // no count: the bar shows the files met so far
  );
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
      files: input.files,
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
async function dryRunCommand(input: BatchInput, base: string): Promise<void> {
  const schema = ContractSchema.load();
  try {
    const csvPath = `${base}.dry-run.csv`;
    const t = await dryRun(input.files, schema, csvPath);
    process.stdout.write(
      `file ${t.files}: validi ${t.valid}, rifiutati dallo schema ${t.refused}, non utilizzabili ${t.invalid}` +
        (t.ignored > 0 ? `, ignorati ${t.ignored}` : '') +
        `\nreport: ${csvPath}\n`,
    );
    if (t.refused + t.invalid > 0) process.exitCode = NOT_ALL_ACCEPTED_EXIT;
  } finally {
    schema.dispose();
  }
}
