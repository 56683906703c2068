/**
 * The `sac-gateway batch` binary in a child process, for the batch tests:
 * run it (optionally killed when a condition holds, optionally fed on stdin),
 * read its journal, fill the sample batch's placeholders. Every child is
 * tracked; stopBatchChildren() kills those still running, by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encryptField } from '../../src/auth/pincodeCipher.js';
import { PROJECT_ROOT } from '../../src/contract/files.js';
import { addDays, romeDate } from '../../src/domain/dates.js';
import { DEMO } from './soapClient.js';
import { withTestStore } from './testStore.js';

export const CLI = path.join(PROJECT_ROOT, 'dist', 'src', 'cli.js');
export const SAMPLE = path.join(PROJECT_ROOT, 'fixtures', 'batch', 'sample');

const children = new Set<ChildProcess>();

export function stopBatchChildren(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  readonly killWhen?: () => boolean;
  readonly env?: Record<string, string>;
  /** Written to the child's standard input, then closed. */
  readonly stdin?: Buffer;
  /** Arguments for node itself, before the CLI's path. */
  readonly nodeArgs?: readonly string[];
  /** Run this instead of node (e.g. `script`), with these arguments. */
  readonly command?: { readonly file: string; readonly args: readonly string[] };
  readonly cwd?: string;
  readonly limitMs?: number;
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  const file = options.command?.file ?? process.execPath;
  const argv = options.command ? [...options.command.args] : [...(options.nodeArgs ?? []), CLI, ...args];
  const child = spawn(file, argv, {
    env: withTestStore({ PATH: process.env.PATH ?? '', SAC_USERNAME: DEMO.medico.user, SAC_PASSWORD: DEMO.medico.password, ...options.env }),
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  children.add(child);
  if (options.stdin) {
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(options.stdin);
  }
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const poll = options.killWhen
    ? setInterval(() => {
        if (options.killWhen!() && child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
      }, 20)
    : undefined;
  const limit = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), options.limitMs ?? 240_000);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      if (poll) clearInterval(poll);
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export function readJsonl(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

/** Last entry per file, 'sending' lines aside. */
export function lastByFile(file: string): Map<string, Record<string, unknown>> {
  const m = new Map<string, Record<string, unknown>>();
  for (const e of readJsonl(file)) if (e.outcome !== 'sending') m.set(e.file as string, e);
  return m;
}

export const today = romeDate(new Date());

/**
 * A sample file's placeholders filled for a gateway with this pincode certificate.
 * The ciphertext goes in last: Base64 can spell OGGI, TRA3 or IERI (about 3 files in
 * 100,000), and a date written into it made that file a 2004 refusal.
 */
export function fill(text: string, pem: string): string {
  return text
    .replace(/OGGI/g, today)
    .replace(/TRA3/g, addDays(today, 3))
    .replace(/IERI/g, addDays(today, -1))
    .replace(/PINCODE_CIFRATO/g, () => encryptField(pem, DEMO.medico.pincode));
}

/** The sample batch's files, filled: name -> bytes (ISO-8859-1 files stay ISO-8859-1). */
export function sampleFiles(pem: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of readdirSync(SAMPLE).sort()) out.set(name, Buffer.from(fill(readFileSync(path.join(SAMPLE, name), 'latin1'), pem), 'latin1'));
  return out;
}

/** The sample batch in `folder`, its placeholders filled. */
export function copySample(folder: string, pem: string): void {
  for (const [name, bytes] of sampleFiles(pem)) writeFileSync(path.join(folder, name), bytes);
}
