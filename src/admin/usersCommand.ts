/**
 * `sac-gateway users ...`: the accounts of doctors, region systems,
 * hospital operators, employers and workers, in the store of SAC_DATA_DIR (src/auth/userAdmin.ts).
 * A running gateway on the same store applies every change on its next
 * request (the users epoch): each command that changes something waits for
 * that before it returns.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../config.js';
import {
  addUser,
  changePassword,
  changePincode,
  changeRegistration,
  listAccounts,
  setDisabled,
  UserAdminError,
  type AccountView,
} from '../auth/userAdmin.js';
import { isUserKind, USER_KINDS } from '../auth/registration.js';
import type { StoreHealth, UserKind, UserStore } from '../store/port.js';
import { openStore, USERS_CHANGE_VISIBLE_MS } from '../store/open.js';
import { parseCommand, stringValue, usageError, type CommandSpec, type ParsedCommand } from './command.js';
import { readSecrets } from './secretInput.js';

const STORE_NOTE = `The store is the one of SAC_DATA_DIR (default ./data); a gateway running on it
applies the change on its next request.
`;

const SECRETS_NOTE = `Secrets are never given on the command line: at a terminal they are asked
twice without echo; otherwise they are read from stdin, one per line.
`;

const REGISTRATION_OPTIONS = {
  region: { type: 'string' },
  asl: { type: 'string' },
  structure: { type: 'string' },
} as const;

const SPECS = {
  add: {
    name: 'users add',
    positionals: ['USERNAME'],
    options: { kind: { type: 'string' }, ...REGISTRATION_OPTIONS },
    usage: `usage: sac-gateway users add USERNAME --kind KIND [--region R] [--asl A] [--structure S]

Add a user. KIND and what it needs:
  medico     USERNAME is the doctor's codice fiscale; --region required;
             --asl and --structure for a hospital doctor (both or neither).
             Secrets: password, then the 10-digit pincode.
  operatore  hospital staff for admissions (InviaRicovero); USERNAME is the
             operator's codice fiscale; --region, --asl, --structure required.
             Secret: password.
  regione    a region's system acting for its doctors and operators; USERNAME
             is an account name (3-64 of A-Z a-z 0-9 . _ @ -); --region only.
             Secret: password.
  datore     an employer reading its employees' attestati (the INPS side);
             USERNAME is the company's codice fiscale (11 digits, check digit
             right); no region, ASL or structure. Secret: password.
  lavoratore a worker reading their own certificates (the INPS side);
             USERNAME is the worker's codice fiscale; no region, ASL or
             structure. Secret: password.
             Neither may call any CertificatiMedici operation (answer 2009).
Codes: region and ASL 3 digits (e.g. 120, 201); structure 1-6 digits or
capital letters (e.g. 120901). Passwords: at least 12 characters.

${SECRETS_NOTE}
example:
  printf '%s\\n' "$PASSWORD" "$PINCODE" | sac-gateway users add RSSMRA70A01H501S --kind medico --region 120

${STORE_NOTE}`,
  },
  list: {
    name: 'users list',
    options: { json: { type: 'boolean' } },
    usage: `usage: sac-gateway users list [--json]

Print every user: username, kind, state (enabled/disabled), region, ASL,
structure and whether a pincode is set. Never a hash or a secret.
  --json   one JSON array instead of the table

${STORE_NOTE}`,
  },
  passwd: {
    name: 'users passwd',
    positionals: ['USERNAME'],
    usage: `usage: sac-gateway users passwd USERNAME

Set USERNAME's password (at least 12 characters). A disabled account stays
disabled. ${SECRETS_NOTE}
${STORE_NOTE}`,
  },
  pincode: {
    name: 'users pincode',
    positionals: ['USERNAME'],
    usage: `usage: sac-gateway users pincode USERNAME

Set a doctor's pincode (10 digits). ${SECRETS_NOTE}
${STORE_NOTE}`,
  },
  set: {
    name: 'users set',
    positionals: ['USERNAME'],
    options: { ...REGISTRATION_OPTIONS, 'no-hospital': { type: 'boolean' } },
    usage: `usage: sac-gateway users set USERNAME [--region R] [--asl A] [--structure S] [--no-hospital]

Change what USERNAME is registered with; what is not given stays as it is.
  --no-hospital   remove ASL and structure (a hospital doctor becoming a
                  family doctor)
The result must still fit the user's kind (see sac-gateway users add --help).

${STORE_NOTE}`,
  },
  disable: {
    name: 'users disable',
    positionals: ['USERNAME'],
    usage: `usage: sac-gateway users disable USERNAME

Refuse every login of USERNAME (the password is kept: enable restores it).

${STORE_NOTE}`,
  },
  enable: {
    name: 'users enable',
    positionals: ['USERNAME'],
    usage: `usage: sac-gateway users enable USERNAME

Allow USERNAME's logins again, with the password it had.

${STORE_NOTE}`,
  },
} satisfies Record<string, CommandSpec>;

export const USERS_USAGE = `usage: sac-gateway users <command> ...
  add USERNAME --kind medico|regione|operatore|datore|lavoratore [--region R] [--asl A] [--structure S]
                        add a user (password, and a doctor's pincode, from a prompt or stdin)
  list [--json]         print the users, without secrets
  passwd USERNAME       set a password (prompt or stdin)
  pincode USERNAME      set a doctor's pincode (prompt or stdin)
  set USERNAME [--region R] [--asl A] [--structure S] [--no-hospital]
                        change region, ASL or structure
  disable USERNAME      refuse every login (the password is kept)
  enable USERNAME       allow logins again
Each command has --help.
`;

type Action = keyof typeof SPECS;

function isAction(value: string | undefined): value is Action {
  return value !== undefined && Object.hasOwn(SPECS, value);
}

/** The store to administer; opened after the arguments are read, so a usage error touches nothing. */
async function withStore<T>(work: (store: UserStore & StoreHealth) => Promise<T> | T): Promise<T> {
  const store = openStore(loadConfig());
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Every gateway on this store sees a change to users within USERS_CHANGE_VISIBLE_MS: once this returns, all of them see it. */
async function applied(message: string): Promise<void> {
  await sleep(USERS_CHANGE_VISIBLE_MS);
  process.stdout.write(`${message}\n`);
}

/** A code option: undefined when absent; '' is refused (say --no-hospital to remove ASL and structure). */
function code(spec: CommandSpec, parsed: ParsedCommand, name: string): string | undefined {
  const value = stringValue(parsed, name);
  if (value === '') throw usageError(spec, `--${name} needs a value`);
  return value;
}

/** Codici fiscali are typed in any case; they are stored uppercase, as clients send them. */
function normalUsername(kind: UserKind | undefined, username: string): string {
  return kind === 'regione' ? username : username.toUpperCase();
}

const COLUMNS = ['USERNAME', 'KIND', 'STATE', 'REGION', 'ASL', 'STRUCTURE', 'PINCODE'] as const;

function tableRow(a: AccountView): string[] {
  return [a.username, a.kind, a.disabled ? 'disabled' : 'enabled', a.codiceRegione ?? '-', a.codiceAsl ?? '-', a.codiceStruttura ?? '-', a.pincode ? 'set' : '-'];
}

async function list(store: UserStore, json: boolean): Promise<void> {
  const accounts: AccountView[] = [];
  for await (const account of listAccounts(store)) accounts.push(account);
  if (json) {
    process.stdout.write(`${JSON.stringify(accounts, null, 2)}\n`);
    return;
  }
  const rows = [[...COLUMNS], ...accounts.map(tableRow)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const text = rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
  process.stdout.write(`${text}\n${accounts.length} user${accounts.length === 1 ? '' : 's'}\n`);
}

export async function usersCommand(args: readonly string[]): Promise<void> {
  const [action, ...rest] = args;
  if (action === undefined || action === '--help' || action === '-h' || action === 'help') {
    process.stdout.write(USERS_USAGE);
    return;
  }
  if (!isAction(action)) throw usageError({ name: 'users', usage: USERS_USAGE }, `unknown command '${action.slice(0, 32)}'`);
  const spec: CommandSpec = SPECS[action];
  const parsed = parseCommand(spec, rest);
  if (!parsed) return;
  const username = parsed.positionals[0] ?? '';

  switch (action) {
    case 'list':
      return withStore((store) => list(store, parsed.values.json === true));
    case 'add': {
      const kind = stringValue(parsed, 'kind');
      if (kind === undefined) throw usageError(spec, `--kind is required (${USER_KINDS.join(', ')})`);
      if (!isUserKind(kind)) throw usageError(spec, `--kind must be one of ${USER_KINDS.join(', ')}`);
      const registration = {
        codiceRegione: code(spec, parsed, 'region') ?? null,
        codiceAsl: code(spec, parsed, 'asl') ?? null,
        codiceStruttura: code(spec, parsed, 'structure') ?? null,
      };
      const name = normalUsername(kind, username);
      const [password, pincode] = await readSecrets(kind === 'medico' ? ['password', 'pincode'] : ['password']);
      return withStore(async (store) => {
        await addUser(store, { username: name, kind, password: password!, pincode, ...registration });
        await applied(`${name}: added (${kind})`);
      });
    }
    case 'passwd': {
      const [password] = await readSecrets(['new password']);
      return withStore(async (store) => {
        const change = await changePassword(store, username, password!);
        await applied(`${change.username}: password changed${change.disabled ? ' (the account stays disabled)' : ''}`);
      });
    }
    case 'pincode': {
      const name = normalUsername(undefined, username);
      // Refuse a user that cannot have a pincode before asking for it.
      await withStore(async (store) => {
        const user = await store.findUser(name);
        if (!user) throw new UserAdminError(`no such user: ${name.slice(0, 64)}`);
        if (user.kind !== 'medico') throw new UserAdminError(`${name} is a ${user.kind}: only a medico has a pincode`);
      });
      const [pincode] = await readSecrets(['new pincode']);
      return withStore(async (store) => {
        await changePincode(store, name, pincode!);
        await applied(`${name}: pincode changed`);
      });
    }
    case 'set': {
      const noHospital = parsed.values['no-hospital'] === true;
      const asl = code(spec, parsed, 'asl');
      const structure = code(spec, parsed, 'structure');
      if (noHospital && (asl !== undefined || structure !== undefined)) throw usageError(spec, '--no-hospital excludes --asl and --structure');
      const change = {
        codiceRegione: code(spec, parsed, 'region'),
        codiceAsl: noHospital ? null : asl,
        codiceStruttura: noHospital ? null : structure,
      };
      if (Object.values(change).every((v) => v === undefined)) throw usageError(spec, 'nothing to change: give --region, --asl, --structure or --no-hospital');
      return withStore(async (store) => {
        const user = await changeRegistration(store, username, change);
        const r = tableRow({ ...user, disabled: false, pincode: false });
        await applied(`${user.username}: region ${r[3]}, ASL ${r[4]}, structure ${r[5]}`);
      });
    }
    case 'disable':
    case 'enable':
      return withStore(async (store) => {
        const change = await setDisabled(store, username, action === 'disable');
        await applied(`${change.username}: ${action}d`);
      });
  }
}
