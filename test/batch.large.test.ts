/**
 * sac-gateway batch on 100,000 files without holding them in memory (issue
 * 11, point 3): a folder of 100,000 small request files (a tenth refused by
 * the schema) checked with --dry-run by the real binary under a 64 MB heap;
 * every file must be in the report, once, with its outcome. The peak RSS is
 * printed as a diagnostic, not asserted (a figure, not a rule). The files
 * are removed afterwards.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { runCli, SAMPLE } from './support/batchCli.js';
import { tempDir } from './support/gateway.js';

const N = 100_000;
let dir: string | undefined;
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * Where to write the files: a tmpfs when one with room is there (100,000 files on a
 * loaded disk cost the kernel up to a minute; on tmpfs a few seconds), else the
 * usual temporary folder. Each file takes a 4 KiB page: 1 GiB free is asked.
 */
function fastTempDir(): string {
  try {
    const fs = statfsSync('/dev/shm');
    if (fs.bavail * fs.bsize >= 1024 ** 3) return mkdtempSync('/dev/shm/sac-batch100k-');
  } catch {
    // no /dev/shm, or not writable
  }
  return tempDir('sac-batch100k-');
}

/** Prints the process's peak resident set size on exit (preloaded into the CLI). */
const REPORT_MAXRSS = `data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss_kb='+process.resourceUsage().maxRSS+'\\n'))`;

test(`${N.toLocaleString('en')} files: every one checked and reported once, under a 64 MB heap`, { timeout: 600_000 }, async (t) => {
  dir = fastTempDir();
  t.diagnostic(`files in ${dir}`);
  const folder = path.join(dir, 'centomila');
  mkdirSync(folder);
  // The schema checks these without a gateway: placeholders need no real value.
  const text = (name: string) => readFileSync(path.join(SAMPLE, name), 'utf8').replace(/PINCODE_CIFRATO/g, Buffer.alloc(128, 7).toString('base64')).replace(/OGGI|TRA3|IERI/g, '2026-01-02');
  const ricerca = text('04-ricerca.xml');
  const invio = text('02-invio-nudo.xml');
  const refused = text('06-invalido-schema.xml');
  const made = Date.now();
  for (let i = 0; i < N; i++) {
    const sub = path.join(folder, `d${Math.floor(i / 10_000)}`);
    if (i % 10_000 === 0) mkdirSync(sub);
    writeFileSync(path.join(sub, `r${i}.xml`), i % 10 === 0 ? refused : i % 10 === 5 ? invio : ricerca);
  }
  t.diagnostic(`files written in ${Date.now() - made} ms`);
  const started = Date.now();
  const run = await runCli(['batch', folder, '--dry-run'], { nodeArgs: ['--max-old-space-size=64', '--import', REPORT_MAXRSS], limitMs: 540_000 });
  t.diagnostic(`dry run of ${N} files in ${Date.now() - started} ms, ${/maxrss_kb=(\d+)/.exec(run.stderr)?.[1] ?? '?'} KB peak RSS`);
  assert.equal(run.code, 5, run.stderr);
  assert.match(run.stdout, new RegExp(`file ${N}: validi ${N - N / 10}, rifiutati dallo schema ${N / 10}, non utilizzabili 0`));
  // Every file in the report exactly once, with the outcome its content calls for.
  const seen = new Set<string>();
  let rows = 0;
  const lines = createInterface({ input: createReadStream(`${folder}.report.dry-run.csv`, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (rows++ === 0) continue; // header
    const [file, , outcome] = line.split(',');
    const i = Number(/r(\d+)\.xml$/.exec(file!)![1]);
    assert.equal(outcome, i % 10 === 0 ? 'refused' : 'valid', line);
    seen.add(file!);
  }
  assert.equal(rows - 1, N);
  assert.equal(seen.size, N);
});
