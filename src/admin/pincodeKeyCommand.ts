/**
 * `sac-gateway pincode-key status | rotate --prepare|--commit|--retire`: the
 * pincode key of SAC_PINCODE_KEY_DIR (default <SAC_DATA_DIR>/keys), shared by
 * every node. Each step changes files only; running nodes pick the change up
 * when restarted (one at a time). Procedure: docs/operations.md ("The pincode key").
 *
 * Exit status: 0 done; 1 the step cannot run in the directory's present state
 * (one line saying why, nothing changed); 2 wrong arguments.
 */
import { loadConfig } from '../config.js';
import { commitRotation, prepareRotation, retireRotation, rotationStatus, type KeyFileStatus } from '../auth/pincodeKeyRotation.js';
import { parseCommand, stringValue, usageError, type CommandSpec } from './command.js';

const STATUS: CommandSpec = {
  name: 'pincode-key status',
  usage: `usage: sac-gateway pincode-key status

Print the keys of the pincode key directory (SAC_PINCODE_KEY_DIR, default
<SAC_DATA_DIR>/keys), one per line: role (current, next, previous), size in
bits, SHA-256 fingerprint and expiry of its certificate.
`,
};

const ROTATE: CommandSpec = {
  name: 'pincode-key rotate',
  options: { prepare: { type: 'boolean' }, commit: { type: 'boolean' }, retire: { type: 'boolean' }, bits: { type: 'string' } },
  usage: `usage: sac-gateway pincode-key rotate --prepare [--bits N] | --commit | --retire

Rotate the pincode key shared by every node; after each step restart the
nodes one at a time (docs/operations.md ("The pincode key")).
  --prepare   create the next key (N bits, default SAC_RSA_BITS) and its
              certificate (pincode-cert.next.pem). Restarted nodes accept
              ciphertexts made with it, and still serve the current certificate.
  --commit    the next key becomes current: restarted nodes serve its
              certificate; the old key is kept as previous and still accepted.
  --retire    delete the previous key: restarted nodes refuse its ciphertexts.
              Only once clients use the new certificate.
`,
};

const USAGE = `usage: sac-gateway pincode-key status | rotate --prepare [--bits N] | --commit | --retire
(see sac-gateway pincode-key rotate --help)
`;

function line(s: KeyFileStatus): string {
  return [s.role, `${s.bits} bit`, s.fingerprint256 ?? '(certificate missing: reissued at start)', s.validTo ?? ''].join('\t');
}

function status(args: string[]): void {
  if (!parseCommand(STATUS, args)) return;
  const dir = loadConfig().pincodeKey.dir;
  const keys = rotationStatus(dir);
  process.stdout.write(`${dir}\n`);
  if (keys.length === 0) process.stdout.write('no key yet: the first start creates it\n');
  for (const k of keys) process.stdout.write(`${line(k)}\n`);
}

function rotate(args: string[]): void {
  const parsed = parseCommand(ROTATE, args);
  if (!parsed) return;
  const steps = (['prepare', 'commit', 'retire'] as const).filter((s) => parsed.values[s] === true);
  if (steps.length !== 1) throw usageError(ROTATE, 'needs exactly one of --prepare, --commit, --retire');
  const bitsText = stringValue(parsed, 'bits');
  if (bitsText !== undefined && steps[0] !== 'prepare') throw usageError(ROTATE, '--bits goes with --prepare only');
  if (bitsText !== undefined && !/^\d{4,5}$/.test(bitsText)) throw usageError(ROTATE, '--bits must be a whole number such as 2048');
  const config = loadConfig();
  const dir = config.pincodeKey.dir;
  switch (steps[0]) {
    case 'prepare': {
      let next: KeyFileStatus;
      try {
        next = prepareRotation(dir, bitsText === undefined ? config.rsaBits : Number(bitsText));
      } catch (err) {
        if (err instanceof RangeError) throw usageError(ROTATE, err.message);
        throw err;
      }
      process.stdout.write(`prepared: ${line(next)}\nrestart every node, one at a time; then run --commit\n`);
      return;
    }
    case 'commit':
      commitRotation(dir);
      process.stdout.write('committed: restart every node, one at a time; they serve the new certificate. Run --retire once clients use it\n');
      return;
    default:
      retireRotation(dir);
      process.stdout.write('retired: restart every node, one at a time; ciphertexts made with the old certificate are then refused\n');
  }
}

export async function pincodeKeyCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'status':
      return status(rest);
    case 'rotate':
      return rotate(rest);
    case undefined:
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      throw usageError({ name: 'pincode-key', usage: USAGE }, `unknown subcommand '${sub.slice(0, 32)}'`);
  }
}
