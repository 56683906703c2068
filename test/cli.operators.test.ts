/**
 * The operators' CLI end to end: the real binary (dist/src/cli.js) in child
 * processes on real SQLite files, and a gateway started from the same binary
 * on the same data directory with the demo data off. Users added, listed,
 * changed, disabled and enabled with `sac-gateway users`, persons imported
 * with `sac-gateway registry import`, then used over SOAP.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminCli, type AdminRun } from './support/adminCli.js';
import { startCli } from './support/cliGateway.js';
import { tempDir } from './support/gateway.js';
import { openTestStore, withTestStore } from './support/testStore.js';
import { basic, parseResponse, post } from './support/soapClient.js';
import { envelope } from './support/requests.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const PACKAGE = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string };
const ACTION = 'http://ws.cert.sanita.finanze.it/InterrogazioneLavoratore';

const children: ChildProcess[] = [];
const dirs: string[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function newDir(): string {
  const dir = tempDir('sac-operators-');
  dirs.push(dir);
  return dir;
}

/** `sac-gateway ARGS` on dataDir with `stdin` piped in (so not a terminal); killed after 60 s. */
function cli(dataDir: string, args: string[], stdin = ''): Promise<AdminRun> {
  return adminCli(dataDir, args, stdin, (c) => children.push(c));
}

const DOCTOR = { user: 'RSSMRA70A01H501S', password: 'Medico.Nuovo.2026', pincode: '2468013579' };
const REGION = { user: 'sistema-lazio', password: 'Regione.Lazio.2026' };

// A CSV as a regional office might export it: ; separated, Italian dates, a BOM, an extra column.
const CSV = [
  '\uFEFFCodice Fiscale;Cognome;Nome;Sesso;Data Nascita;Comune Nascita;Provincia Nascita;Medico',
  'RSSMRA80A01H501U;Rossi;Mario;M;01/01/1980;Roma;RM;x', // 2 ok
  'BNCGPP75C41F205S;Bianchi;Giuseppina;F;1975-03-01;Milano;MI;', // 3 ok
  'RSSMRA80A01H501X;Rossi;Mario;M;1980-01-01;Roma;RM;', // 4 check character
  'VRDLGU62T10L219V;Verdi;Luigi;F;1962-12-10;Torino;TO;', // 5 sex
  'VRDLGU62T10L219V;Verdi;Luigi;M;1962-12-11;Torino;TO;', // 6 birth date
  'VRDLGU62T10L219V;Verdi;Luigi;M;1962-12-10;Milano;MI;', // 7 birth place
  '', // 8 blank: skipped
  'VRDLGU62T10L219V;"Verdì";Luigi;M;1962-12-10;Torino;TO;', // 9 ok, accent written as apostrophe
  'NRANNA90E45F839X;Neri;Anna;F;1990-05-05;Napoli;NA', // 10 a field missing
  'NRANNA90E45F839X;N3ri;Anna;F;1990-05-05;Napoli;NA;', // 11 a digit in a name
].join('\r\n');

describe('sac-gateway users and registry, then the gateway on the same store', () => {
  const dataDir = newDir();

  test('registry import: good lines written through the port, bad ones reported by number, exit 3', async () => {
    const file = path.join(dataDir, 'assistiti.csv');
    writeFileSync(file, CSV);
    const run = await cli(dataDir, ['registry', 'import', file]);
    assert.equal(run.code, 3, run.stderr + run.stdout);
    const refused = run.stdout.split('\n').filter((l) => l.startsWith('riga '));
    assert.deepEqual(
      refused.map((l) => Number(/^riga (\d+):/.exec(l)![1])),
      [4, 5, 6, 7, 10, 11],
      run.stdout,
    );
    assert.match(run.stdout, /riga 4: codice fiscale: carattere di controllo errato/);
    assert.match(run.stdout, /riga 5: sesso F diverso/);
    assert.match(run.stdout, /riga 6: data di nascita 1962-12-11 diversa/);
    assert.match(run.stdout, /riga 7: luogo di nascita Milano \(MI\) diverso/);
    assert.match(run.stdout, /riga 10: 7 campi invece di 8/);
    assert.match(run.stdout, /3 persone scritte \(3 nuove/);
    assert.match(run.stdout, /colonne ignorate: Medico/);
    // The report never repeats a line's content (personal data).
    assert.doesNotMatch(run.stdout, /RSSMRA80A01H501X|NRANNA90E45F839X/);

    const store = openTestStore(dataDir);
    try {
      assert.equal(await store.countPersons(), 3);
      assert.deepEqual(await store.findPerson('RSSMRA80A01H501U'), {
        codiceFiscale: 'RSSMRA80A01H501U',
        cognome: 'Rossi',
        nome: 'Mario',
        sesso: 'M',
        dataNascita: '1980-01-01',
        comuneNascita: 'Roma',
        provinciaNascita: 'RM',
      });
      assert.equal((await store.findPerson('VRDLGU62T10L219V'))?.cognome, "Verdi'");
      assert.equal(await store.findPerson('NRANNA90E45F839X'), undefined);
    } finally {
      await store.close();
    }

    // Upsert: the same good line again replaces, adds nothing; exit 0 with no refused line.
    const again = path.join(dataDir, 'again.csv');
    writeFileSync(again, 'codiceFiscale,cognome,nome,sesso,dataNascita,comuneNascita,provinciaNascita\nRSSMRA80A01H501U,Rossi,Marco,M,1980-01-01,Roma,RM\n');
    const rerun = await cli(dataDir, ['registry', 'import', again]);
    assert.equal(rerun.code, 0, rerun.stderr + rerun.stdout);
    assert.match(rerun.stdout, /1 persone scritte \(0 nuove/);
    const reread = openTestStore(dataDir);
    try {
      assert.equal(await reread.countPersons(), 3);
      assert.equal((await reread.findPerson('RSSMRA80A01H501U'))?.nome, 'Marco');
    } finally {
      await reread.close();
    }

    // A file without the needed columns: nothing written, exit 1.
    const wrong = path.join(dataDir, 'wrong.csv');
    writeFileSync(wrong, 'cf,cognome\nRSSMRA80A01H501U,Rossi\n');
    const refusedFile = await cli(dataDir, ['registry', 'import', wrong]);
    assert.equal(refusedFile.code, 1);
    assert.match(refusedFile.stderr, /mancano nell'intestazione le colonne codiceFiscale/);
  });

  test('users add, list: the doctor and the region system are stored without secrets in sight', async () => {
    const doctor = await cli(dataDir, ['users', 'add', DOCTOR.user.toLowerCase(), '--kind', 'medico', '--region', '120'], `${DOCTOR.password}\n${DOCTOR.pincode}\n`);
    assert.equal(doctor.code, 0, doctor.stderr);
    assert.match(doctor.stdout, /RSSMRA70A01H501S: added \(medico\)/);
    const region = await cli(dataDir, ['users', 'add', REGION.user, '--kind', 'regione', '--region', '120'], `${REGION.password}\n`);
    assert.equal(region.code, 0, region.stderr);

    // Refused additions: a username that exists, a bad codice fiscale, a missing region, a short pincode, half a hospital.
    const refusals: Array<[string[], string, RegExp]> = [
      [['users', 'add', DOCTOR.user, '--kind', 'medico', '--region', '120'], `${DOCTOR.password}\n${DOCTOR.pincode}\n`, /already exists/],
      [['users', 'add', 'RSSMRA70A01H501A', '--kind', 'medico', '--region', '120'], `${DOCTOR.password}\n${DOCTOR.pincode}\n`, /check character/],
      [['users', 'add', 'PRTOPR90B15G273Y', '--kind', 'operatore', '--region', '120'], 'Operatore.Nuovo.2026\n', /--asl and --structure/],
      [['users', 'add', 'MDCSCN85M45F839N', '--kind', 'medico', '--region', '120'], `${DOCTOR.password}\n12345\n`, /10 digits/],
      [['users', 'add', 'MDCSCN85M45F839N', '--kind', 'medico', '--region', '120', '--asl', '201'], `${DOCTOR.password}\n${DOCTOR.pincode}\n`, /both --asl and --structure/],
    ];
    for (const [args, stdin, message] of refusals) {
      const run = await cli(dataDir, args, stdin);
      assert.equal(run.code, 1, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, message);
    }
    // A secret missing on stdin is a usage error (2), before anything is written.
    const noPincode = await cli(dataDir, ['users', 'add', 'MDCSCN85M45F839N', '--kind', 'medico', '--region', '120'], `${DOCTOR.password}\n`);
    assert.equal(noPincode.code, 2);
    assert.match(noPincode.stderr, /expected on stdin password, pincode/);

    const table = await cli(dataDir, ['users', 'list']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^USERNAME\s+KIND\s+STATE\s+REGION\s+ASL\s+STRUCTURE\s+PINCODE$/m);
    assert.match(table.stdout, /^RSSMRA70A01H501S\s+medico\s+enabled\s+120\s+-\s+-\s+set$/m);
    assert.match(table.stdout, /^sistema-lazio\s+regione\s+enabled\s+120\s+-\s+-\s+-$/m);
    assert.match(table.stdout, /^2 users$/m);
    const json = await cli(dataDir, ['users', 'list', '--json']);
    const listed = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(listed.find((u) => u.username === DOCTOR.user), {
      username: DOCTOR.user,
      kind: 'medico',
      disabled: false,
      pincode: true,
      codiceRegione: '120',
      codiceAsl: null,
      codiceStruttura: null,
    });
    for (const out of [table.stdout, json.stdout]) {
      for (const secret of [DOCTOR.password, DOCTOR.pincode, REGION.password, 'scrypt', '$']) assert.ok(!out.includes(secret), `list shows ${secret}`);
    }
  });

  test('the gateway (demo data off) lets them in over SOAP; disable refuses (401), enable and passwd apply', async () => {
    // Failures on purpose below (wrong password, disabled, old pincode): no throttle delays in this test.
    const env = { SAC_DEMO_DATA: '0', SAC_LOGIN_FREE_FAILURES: '50', SAC_LOGIN_LOCK_AFTER: '100' };
    const gw = await startCli(dataDir, { env, track: (c) => children.push(c) });
    try {
      // The doctor's own pincode, encrypted with this gateway's key by `sac-gateway encrypt` (read from stdin).
      const encrypted = await cli(dataDir, ['encrypt'], `${DOCTOR.pincode}\n`);
      assert.equal(encrypted.code, 0, encrypted.stderr);
      const pin = encrypted.stdout.trim();
      const ask = (user: string, password: string, medico: Record<string, string>) =>
        post(gw.endpoint, envelope('interrogazioneLavoratoreRequest', { medico, lavoratore: { codiceFiscale: 'RSSMRA80A01H501U' } }), {
          auth: basic(user, password),
          soapAction: ACTION,
        });

      // The doctor looks up a person the import wrote.
      const answer = parseResponse(await ask(DOCTOR.user, DOCTOR.password, { pincode: pin }));
      assert.deepEqual(answer.errors, []);
      assert.equal(answer.ok.cognome, 'Rossi');
      assert.equal(answer.ok.nome, 'Marco');
      // The region system acts for its doctor.
      const byRegion = parseResponse(await ask(REGION.user, REGION.password, { codiceFiscale: DOCTOR.user }));
      assert.deepEqual(byRegion.errors, []);
      assert.equal((await ask(DOCTOR.user, 'Non.La.Password.2026', { pincode: pin })).status, 401);

      assert.equal((await cli(dataDir, ['users', 'disable', DOCTOR.user])).code, 0);
      assert.equal((await ask(DOCTOR.user, DOCTOR.password, { pincode: pin })).status, 401, 'a disabled doctor cannot log in');
      assert.match((await cli(dataDir, ['users', 'list'])).stdout, /^RSSMRA70A01H501S\s+medico\s+disabled/m);
      assert.equal((await cli(dataDir, ['users', 'enable', DOCTOR.user])).code, 0);
      assert.equal((await ask(DOCTOR.user, DOCTOR.password, { pincode: pin })).status, 200);

      const NEW = 'Medico.Cambiata.2026';
      const passwd = await cli(dataDir, ['users', 'passwd', DOCTOR.user], `${NEW}\n`);
      assert.equal(passwd.code, 0, passwd.stderr);
      assert.equal((await ask(DOCTOR.user, DOCTOR.password, { pincode: pin })).status, 401, 'the old password stops working');
      assert.equal((await ask(DOCTOR.user, NEW, { pincode: pin })).status, 200);

      // A new pincode: the old ciphertext is refused (2003), the new one accepted.
      const pincode = await cli(dataDir, ['users', 'pincode', DOCTOR.user], '1357924680\n');
      assert.equal(pincode.code, 0, pincode.stderr);
      assert.deepEqual(parseResponse(await ask(DOCTOR.user, NEW, { pincode: pin })).errors.map((e) => e.tipoErrore), ['2003']);
      const newPin = (await cli(dataDir, ['encrypt'], '1357924680\n')).stdout.trim();
      assert.deepEqual(parseResponse(await ask(DOCTOR.user, NEW, { pincode: newPin })).errors, []);

      // Moving the doctor to another region: the region system may no longer act for it.
      assert.equal((await cli(dataDir, ['users', 'set', DOCTOR.user, '--region', '030'])).code, 0);
      const elsewhere = parseResponse(await ask(REGION.user, REGION.password, { codiceFiscale: DOCTOR.user }));
      assert.deepEqual(elsewhere.errors.map((e) => e.tipoErrore).length, 1);
    } finally {
      gw.child.kill('SIGTERM');
      await gw.exited;
    }
  });
});

test('a gateway started with no users and no demo data warns how to add one', async () => {
  const gw = await startCli(newDir(), { env: { SAC_DEMO_DATA: '0' }, track: (c) => children.push(c) });
  try {
    // The log is written asynchronously (flushed when the gateway is up): give the pipe a moment.
    for (let i = 0; i < 100 && !/no users in the store/.test(gw.output()); i++) await delay(20);
    assert.match(gw.output(), /no users in the store.*sac-gateway users add/);
  } finally {
    gw.child.kill('SIGTERM');
    await gw.exited;
  }
});

describe('arguments', () => {
  const dataDir = newDir();
  const HELP = [
    [],
    ['--help'],
    ['serve', '--help'],
    ['users', '--help'],
    ...['add', 'list', 'passwd', 'pincode', 'set', 'disable', 'enable'].map((c) => ['users', c, '--help']),
    ['registry', '--help'],
    ['registry', 'import', '--help'],
    ['seed', '--help'],
    ['encrypt', '-h'],
    ['docs', '--help'],
    ['journal', '--help'],
    ['soapui', '--help'],
    ['soapui', 'replay', '--help'],
  ];

  test('--help of every command and subcommand: exit 0, usage on stdout, nothing touched', async () => {
    for (const args of HELP) {
      const run = await cli(dataDir, args);
      assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stdout, /^usage: sac-gateway/, args.join(' '));
    }
  });

  test('--version prints the package version', async () => {
    const run = await cli(dataDir, ['--version']);
    assert.equal(run.code, 0);
    assert.equal(run.stdout, `sac-gateway ${PACKAGE.version}\n`);
  });

  test('an unknown option, command or a missing argument: exit 2 and a message naming it and the --help to read', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['users', 'add', DOCTOR.user, '--kind', 'medico', '--password', 'x'], /users add: Unknown option '--password'[\s\S]*sac-gateway users add --help/],
      [['users', 'list', '--csv'], /users list: Unknown option '--csv'/],
      [['users', 'passwd'], /users passwd: missing USERNAME/],
      [['users', 'disable', 'A', 'B'], /users disable: unexpected argument 'B'/],
      [['users', 'remove', 'A'], /users: unknown command 'remove'/],
      [['users', 'add', DOCTOR.user, '--kind', 'dentista'], /--kind must be one of medico, regione, operatore/],
      [['registry', 'import', '--separator', ';', 'x.csv'], /registry import: Unknown option '--separator'/],
      [['registry', 'import', path.join(dataDir, 'missing.csv')], /cannot read .*missing\.csv: ENOENT/],
      [['serve', '--port', '8080'], /serve: Unknown option '--port'/],
      [['seed', '--persons'], /seed: Option '--persons <value>' argument missing/],
      [['docs', '--force'], /docs: Unknown option '--force'/],
      [['journal', '--certificate', '1', '--user', 'x'], /exactly one of/],
      [['soapui', 'replay'], /soapui replay: missing FILE/],
      [['soapui', 'replay', 'x.xml', '-P', 'novalue'], /-P expects NAME=VALUE/],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ];
    for (const [args, message] of cases) {
      const run = await cli(dataDir, args, 'Una.Password.Lunga\n');
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, message, args.join(' '));
    }
  });
});

test('what `prepare` needs to build is a production dependency (npm ci --omit=dev runs it)', () => {
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as {
    scripts: Record<string, string>;
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  assert.match(pkg.scripts.prepare!, /build/);
  assert.match(pkg.scripts.build!, /tsc -p tsconfig\.build\.json/);
  // tsc, and the type packages of what src/ imports (tsconfig.build.json compiles src/ only).
  for (const name of ['typescript', '@types/node', '@types/better-sqlite3', '@types/node-forge']) {
    assert.ok(pkg.dependencies[name], `${name} must be in dependencies`);
    assert.equal(pkg.devDependencies[name], undefined, `${name} must not be a devDependency`);
  }
});

// A terminal for the CLI: Python's pty module (python3 is already needed by the test
// dependencies). It types each answer once its prompt shows, and prints all it saw.
const PTY_DRIVER = `
import os, pty, sys, time, json
args, answers = json.loads(sys.argv[1]), json.loads(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(args[0], args)
out = b''
def read_until(marker, limit=30):
    global out
    end = time.time() + limit
    while marker not in out and time.time() < end:
        try:
            out += os.read(fd, 1024)
        except OSError:
            return
for prompt, answer in answers:
    read_until(prompt.encode())
    os.write(fd, answer.encode())
try:
    while True:
        chunk = os.read(fd, 1024)
        if not chunk:
            break
        out += chunk
except OSError:
    pass
_, status = os.waitpid(pid, 0)
sys.stdout.write(json.dumps({'out': out.decode('utf-8', 'replace'), 'code': os.waitstatus_to_exitcode(status)}))
`;

async function atTerminal(dataDir: string, args: string[], answers: Array<[string, string]>): Promise<{ out: string; code: number }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SAC_')));
  const child = spawn('python3', ['-c', PTY_DRIVER, JSON.stringify([process.execPath, CLI, ...args]), JSON.stringify(answers)], {
    env: withTestStore({ ...env, SAC_DATA_DIR: dataDir, SAC_DEMO_DATA: '0' }),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await once(child, 'exit');
  clearTimeout(timer);
  return JSON.parse(stdout) as { out: string; code: number };
}

test('at a terminal the password is asked twice without echo (backspace edits); two different answers change nothing', async () => {
  const dataDir = newDir();
  const PASSWORD = 'Regione.Terminale.2026';
  // The first answer has one character too many, removed with DEL (backspace).
  const added = await atTerminal(dataDir, ['users', 'add', 'regione-tty', '--kind', 'regione', '--region', '120'], [
    ['password: ', `${PASSWORD}X\u007f\r`],
    ['(again): ', `${PASSWORD}\r`],
  ]);
  assert.equal(added.code, 0, added.out);
  assert.match(added.out, /regione-tty: added \(regione\)/);
  assert.ok(!added.out.includes('Terminale'), `the password was echoed: ${JSON.stringify(added.out)}`);
  const differ = await atTerminal(dataDir, ['users', 'passwd', 'regione-tty'], [
    ['new password: ', 'Una.Password.Nuova.1\r'],
    ['(again): ', 'Una.Password.Nuova.2\r'],
  ]);
  assert.equal(differ.code, 2, differ.out);
  assert.match(differ.out, /the two new passwords differ: nothing changed/);
  const store = openTestStore(dataDir);
  try {
    const { verifySecret } = await import('../src/auth/passwords.js');
    assert.ok(verifySecret(PASSWORD, (await store.findUser('regione-tty'))!.passwordHash), 'the password typed (after the backspace) is stored');
  } finally {
    await store.close();
  }
});
