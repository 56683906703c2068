/**
 * Secrets for the administration CLI (passwords, pincodes), never from the
 * command line (visible to every user in `ps`, kept in shell history):
 * typed at a prompt without echo, twice, when stdin is a terminal; otherwise
 * one per line on stdin (`printf '%s\n' "$PASSWORD" | sac-gateway ...`).
 */
import { UsageError } from './command.js';

/** Far above any password the gateway accepts (256 bytes) or any pincode. */
const MAX_STDIN_BYTES = 4_096;

async function readStdinLines(count: number, labels: readonly string[]): Promise<string[]> {
  let data = Buffer.alloc(0);
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    data = Buffer.concat([data, chunk]);
    if (data.length > MAX_STDIN_BYTES) throw new UsageError(`more than ${MAX_STDIN_BYTES} bytes on stdin: expected ${labels.join(' and ')}, one per line`);
  }
  const lines = data.toString('utf8').split(/\r?\n/);
  if (lines.length > count && lines.slice(count).every((l) => l === '')) lines.length = count;
  if (lines.length !== count || lines.some((l) => l === '')) {
    throw new UsageError(`expected on stdin ${count === 1 ? labels[0] : `${labels.join(', ')}, one per line`} (no empty line)`);
  }
  return lines;
}

/** One line typed without echo. Backspace edits; Ctrl-C or Ctrl-D on an empty line cancels. */
function promptHidden(question: string): Promise<string> {
  const input = process.stdin;
  return new Promise((resolve, reject) => {
    let value = '';
    // Raw (no echo) before the prompt shows: nothing typed after it can echo.
    input.setRawMode(true);
    process.stderr.write(question);
    input.setEncoding('utf8');
    input.resume();
    const finish = (err?: Error) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || (ch === '\u0004' && value === '')) return finish(new UsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (value.length < MAX_STDIN_BYTES) value += ch;
      }
    };
    input.on('data', onData);
  });
}

/** The secrets named by `labels` (e.g. ['new password', 'pincode']), in that order. */
export async function readSecrets(labels: readonly string[]): Promise<string[]> {
  if (!process.stdin.isTTY) return readStdinLines(labels.length, labels);
  const secrets: string[] = [];
  for (const label of labels) {
    const first = await promptHidden(`${label}: `);
    const again = await promptHidden(`${label} (again): `);
    if (first !== again) throw new UsageError(`the two ${label}s differ: nothing changed`);
    secrets.push(first);
  }
  return secrets;
}
