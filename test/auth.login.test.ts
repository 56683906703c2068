/**
 * The login machinery on its own: the bounded hash queue, the failure
 * throttle with a test clock, strict Basic parsing, and LoginGuard over a real
 * SQLite store (real scrypt, N=2^15): one path and the same work for unknown,
 * disabled, malformed and wrong; throttles, locks and the trusted-address
 * exemption; bounded caches.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { LoginThrottledError, MAX_PASSWORD_BYTES, MAX_USERNAME_CHARS, readBasicCredentials } from '../src/auth/credentials.js';
import { HashQueue, HashQueueFullError, HashWorkAbortedError } from '../src/auth/hashQueue.js';
import { addressKey, LoginGuard, type LoginFailureReason, type LoginResult } from '../src/auth/login.js';
import { disabledHash, hashSecret, VerdictCache } from '../src/auth/passwords.js';
import { FailureThrottle } from '../src/auth/throttle.js';
import { openTestStore, testStoreKind } from './support/testStore.js';
import type { Store } from '../src/store/port.js';
import { tempDir } from './support/gateway.js';

const never = new AbortController().signal;

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/** A task that settles when the test says so, counting how often it started. */
function gate() {
  let started = 0;
  const releases: Array<() => void> = [];
  return {
    get started() {
      return started;
    },
    task: () => {
      started++;
      return new Promise<boolean>((resolve) => releases.push(() => resolve(true)));
    },
    releaseAll() {
      while (releases.length > 0) releases.shift()!();
    },
  };
}

describe('hash queue', () => {
  test('a full queue refuses at once with a Retry-After; nothing more starts', async () => {
    const queue = new HashQueue({ concurrency: 2, maxWaiting: 3 });
    const g = gate();
    const accepted = Array.from({ length: 5 }, (_, i) => queue.run(`k${i}`, g.task));
    assert.equal(g.started, 2, 'two running');
    assert.equal(queue.stats().waiting, 3);
    // The sixth to the hundredth are refused synchronously-fast: none waits for the running ones.
    const refusals = await Promise.allSettled(Array.from({ length: 95 }, (_, i) => queue.run(`x${i}`, g.task)));
    for (const r of refusals) {
      assert.equal(r.status, 'rejected');
      assert.ok(r.reason instanceof HashQueueFullError);
      assert.equal(r.reason.code, 'SAC_AUTH_QUEUE_FULL');
      assert.ok(r.reason.retryAfterS >= 1 && r.reason.retryAfterS <= 30);
    }
    assert.equal(queue.stats().refused, 95);
    assert.equal(g.started, 2);
    // Everything accepted completes, two at a time.
    for (let round = 0; round < 3; round++) {
      g.releaseAll();
      await delay(0);
    }
    assert.deepEqual(await Promise.all(accepted), [true, true, true, true, true]);
    assert.equal(queue.stats().started, 5);
  });

  test('work whose requester went away before it started is dropped, never run', async () => {
    const queue = new HashQueue({ concurrency: 1, maxWaiting: 10 });
    const g = gate();
    const first = queue.run('running', g.task);
    const controllers = Array.from({ length: 10 }, () => new AbortController());
    const abandoned = controllers.map((c, i) => queue.run(`gone${i}`, g.task, c.signal));
    for (const c of controllers) c.abort();
    for (const r of await Promise.allSettled(abandoned)) {
      assert.equal(r.status, 'rejected');
      assert.ok((r as PromiseRejectedResult).reason instanceof HashWorkAbortedError);
    }
    assert.equal(queue.stats().waiting, 0, 'the queue is empty again');
    assert.equal(queue.stats().dropped, 10);
    // Already aborted: refused before queueing.
    await assert.rejects(queue.run('late', g.task, AbortSignal.abort()), HashWorkAbortedError);
    // A newcomer runs right after the one that was running, not after ten abandoned hashes.
    const newcomer = queue.run('new', g.task);
    g.releaseAll();
    await first;
    await delay(0);
    assert.equal(g.started, 2, 'only the running task and the newcomer ever started');
    g.releaseAll();
    assert.equal(await newcomer, true);
  });

  test('identical work is shared; it is dropped only when every requester left', async () => {
    const queue = new HashQueue({ concurrency: 1, maxWaiting: 1 });
    const g = gate();
    const running = queue.run('a', g.task);
    const c1 = new AbortController();
    const c2 = new AbortController();
    const w1 = queue.run('b', g.task, c1.signal);
    const w2 = queue.run('b', g.task, c2.signal); // joins, takes no extra slot
    assert.equal(queue.stats().joined, 1);
    c1.abort();
    await assert.rejects(w1, HashWorkAbortedError);
    assert.equal(queue.stats().waiting, 1, 'still wanted by the second requester');
    g.releaseAll();
    await running;
    await delay(0);
    g.releaseAll();
    assert.equal(await w2, true);
    assert.equal(g.started, 2);
  });
});

describe('failure throttle (test clock)', () => {
  const policy = { freeFailures: 3, lockAfter: 8, lockMs: 60_000, baseDelayMs: 1_000, maxDelayMs: 8_000, maxEntries: 100 };

  test('free failures, then delays that double up to the cap, then a lock that expires', () => {
    let now = 1_000_000;
    const t = new FailureThrottle(policy, () => now);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(t.check('u'), { allowed: true });
      t.fail('u');
    }
    const waits: number[] = [];
    for (let failure = 4; failure < 8; failure++) {
      const verdict = t.check('u');
      assert.equal(verdict.allowed, false);
      if (!verdict.allowed) {
        assert.equal(verdict.locked, false);
        waits.push(verdict.retryAfterMs);
        now += verdict.retryAfterMs;
      }
      assert.deepEqual(t.check('u'), { allowed: true }, 'allowed once the delay has passed');
      assert.equal(t.fail('u'), false);
    }
    assert.deepEqual(waits, [1_000, 2_000, 4_000, 8_000]);
    // The eighth failure locks.
    now += 8_000;
    assert.equal(t.fail('u'), true);
    const locked = t.check('u');
    assert.ok(!locked.allowed && locked.locked && locked.retryAfterMs === 60_000);
    now += 59_999;
    assert.equal(t.check('u').allowed, false);
    now += 1;
    assert.deepEqual(t.check('u'), { allowed: true }, 'the lock expires');
    assert.equal(t.fail('u'), true, 'one more failure right after a lock locks again');
    // Forgotten 2 x lockMs after the last failure.
    now += 2 * 60_000 + 1;
    assert.equal(t.failures('u'), 0);
    assert.deepEqual(t.check('u'), { allowed: true });
  });

  test('a success forgets; other keys are independent; entries are bounded', () => {
    let now = 0;
    const t = new FailureThrottle(policy, () => now);
    for (let i = 0; i < 5; i++) t.fail('a');
    assert.equal(t.check('b').allowed, true);
    t.succeed('a');
    assert.equal(t.check('a').allowed, true);
    for (let i = 0; i < 10_000; i++) t.fail(`spray${i}`);
    assert.equal(t.size, 100);
    now += 1;
  });
});

describe('Basic credentials are read strictly, before any work', () => {
  test('control characters, sizes, encodings', () => {
    assert.deepEqual(readBasicCredentials(undefined), { kind: 'missing' });
    assert.equal(readBasicCredentials(basic('MDCTST70A01H501K', 'Demo.Medico.2026')).kind, 'ok');
    assert.equal(readBasicCredentials(basic('utente', 'pàsswörd€')).kind, 'ok', 'non-ASCII printable text is fine');
    const malformed = [
      basic('a\u0000b', 'x'),
      basic('ab', 'x\u0007y'),
      basic('ab', 'x\ny'),
      basic('ab', 'x\u007fy'),
      basic('ab', 'x\u0085y'), // C1 (NEL)
      basic('a\u009fb', 'x'),
      basic('x'.repeat(MAX_USERNAME_CHARS + 1), 'x'),
      basic('ab', 'x'.repeat(MAX_PASSWORD_BYTES + 1)),
      basic('ab', 'é'.repeat(MAX_PASSWORD_BYTES / 2 + 1)), // bytes, not characters
      basic('', 'x'),
      basic('ab', ''),
      `Basic ${Buffer.from([0x61, 0x3a, 0xff, 0xfe]).toString('base64')}`, // not UTF-8
      'Basic not base64!',
      'Basic YWI6eA', // unpadded
      `Basic ${'A'.repeat(100_000)}`,
      'Bearer abc',
      'Basic',
    ];
    for (const header of malformed) assert.deepEqual(readBasicCredentials(header), { kind: 'malformed' }, JSON.stringify(header.slice(0, 60)));
  });

  test('client address keys: IPv4, IPv4-mapped, IPv6 by /64', () => {
    assert.equal(addressKey('127.0.0.1'), '127.0.0.1');
    assert.equal(addressKey('::ffff:10.1.2.3'), '10.1.2.3');
    assert.equal(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8:1:2:ffff:eeee:dddd:1'), '2001:db8:1:2::/64');
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
    assert.equal(addressKey(''), undefined);
  });
});

describe('LoginGuard over a real store', () => {
  const dir = tempDir('sac-login-');
  let store: Store;
  const REAL = 'MDCTST70A01H501K';
  const DISABLED = 'MDCSCN85M45F839N';
  const BROKEN = 'REGIONE120';
  const PASSWORD = 'Giusta.Password.2026';

  before(async () => {
    store = openTestStore(dir);
    const base = { pincodeHash: null, codiceRegione: '120', codiceAsl: null, codiceStruttura: null } as const;
    const hash = hashSecret(PASSWORD);
    await store.putUser({ ...base, username: REAL, kind: 'medico', passwordHash: hash, pincodeHash: hashSecret('1234567890') });
    await store.putUser({ ...base, username: DISABLED, kind: 'medico', passwordHash: disabledHash(hash) });
    await store.putUser({ ...base, username: BROKEN, kind: 'regione', passwordHash: 'scrypt$garbage' });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function guard(settings: ConstructorParameters<typeof LoginGuard>[0]['settings'] = {}, now?: () => number) {
    const failures: Array<[string, string, LoginFailureReason]> = [];
    const g = new LoginGuard({ store, settings, now, onFailure: (u, a, r) => failures.push([u, a, r]) });
    return { g, failures };
  }

  test('a connection that proved its header is not re-verified, until the password changes or a throttle holds', async () => {
    const USER = 'PRVCNN80A01H501X';
    const base = { kind: 'medico', pincodeHash: null, codiceRegione: '120', codiceAsl: null, codiceStruttura: null } as const;
    await store.putUser({ ...base, username: USER, passwordHash: hashSecret(PASSWORD) });
    // No trust: a trusted address would be exempt from the username's throttle (tested elsewhere).
    const { g } = guard({ freeFailures: 2, lockAfter: 4, trustMs: 0 });
    const connection = new AbortController().signal;
    const header = basic(USER, PASSWORD);
    assert.ok((await g.authenticate(header, '10.0.9.1', connection)).ok);
    const first = g.stats();
    for (let i = 0; i < 5; i++) assert.ok((await g.authenticate(header, '10.0.9.1', connection)).ok);
    const again = g.stats();
    if (testStoreKind() === 'sqlite') {
      // SQLite checks its users epoch synchronously: every repeat is answered from what the connection proved.
      assert.equal(again.provenAgain - first.provenAgain, 5, 'answered from what the connection proved');
      assert.deepEqual([again.scryptRuns, again.cacheHits], [first.scryptRuns, first.cacheHits], 'no verification, no cache look-up');
    } else {
      // PostgreSQL's cachedUser answers only while its last users-epoch read is fresh (PG_USERS_EPOCH_MAX_AGE_MS,
      // it cannot read synchronously): a repeat after that goes down the full path, which re-reads the user and
      // meets the verdict cache. Either way, never a password hash again.
      assert.equal(again.provenAgain - first.provenAgain + (again.cacheHits - first.cacheHits), 5, 'each repeat answered from the proven connection or the verdict cache');
      assert.equal(again.scryptRuns, first.scryptRuns, 'no password hashed again');
    }
    // Another connection verifies for itself.
    assert.ok((await g.authenticate(header, '10.0.9.1', new AbortController().signal)).ok);
    assert.equal(g.stats().cacheHits, again.cacheHits + 1);

    // The password changes: the very next request on the proven connection is verified again, and refused.
    await store.putUser({ ...base, username: USER, passwordHash: hashSecret('Nuova.Password.2026') });
    assert.deepEqual(await g.authenticate(header, '10.0.9.1', connection), { ok: false, reason: 'invalid' });

    // A throttle holding on the user sends a proven connection down the full path too (which refuses it).
    await store.putUser({ ...base, username: USER, passwordHash: hashSecret(PASSWORD) });
    const other = new AbortController().signal;
    assert.ok((await g.authenticate(header, '10.0.9.2', other)).ok);
    await g.authenticate(basic(USER, 'Sbagliata.1'), '10.0.9.3', never);
    await g.authenticate(basic(USER, 'Sbagliata.2'), '10.0.9.3', never);
    const throttled = await g.authenticate(header, '10.0.9.2', other);
    assert.equal(throttled.ok ? 'ok' : throttled.reason, 'throttled');
  });

  test('unknown user, wrong password, disabled user, malformed hash: the same answers and the same work', async () => {
    const { g } = guard();
    const work: Record<string, unknown> = {};
    for (const [name, user] of [['wrong', REAL], ['unknown', 'NSSUTN80A01H501X'], ['disabled', DISABLED], ['malformed', BROKEN]] as const) {
      const before = g.stats();
      const answers: LoginResult[] = [];
      // From a new address each time, so no throttle state differs between the cases.
      for (let i = 0; i < 2; i++) answers.push(await g.authenticate(basic(user, 'Sbagliata.2026'), `10.0.0.${name.length}`, never));
      const after = g.stats();
      assert.deepEqual(answers, [{ ok: false, reason: 'invalid' }, { ok: false, reason: 'invalid' }], name);
      work[name] = { scrypt: after.scryptRuns - before.scryptRuns, cacheHits: after.cacheHits - before.cacheHits };
    }
    const expected = { scrypt: 1, cacheHits: 1 };
    assert.deepEqual(work, { wrong: expected, unknown: expected, disabled: expected, malformed: expected });
    // The right password of the disabled account is refused too.
    assert.deepEqual(await g.authenticate(basic(DISABLED, PASSWORD), '10.0.1.1', never), { ok: false, reason: 'invalid' });
    const ok = await g.authenticate(basic(REAL, PASSWORD), '10.0.1.1', never);
    assert.ok(ok.ok && ok.user.username === REAL);
  });

  test('malformed credentials cost nothing: no store read, no hash', async () => {
    const { g, failures } = guard();
    const before = g.stats();
    for (const header of [basic('a\u0001', 'x'), basic(REAL, 'x\u007f'), basic('x'.repeat(65), 'x'), 'Basic %%%']) {
      assert.deepEqual(await g.authenticate(header, '10.0.2.1', never), { ok: false, reason: 'invalid' });
    }
    assert.deepEqual(await g.authenticate(undefined, '10.0.2.1', never), { ok: false, reason: 'missing' });
    assert.equal(g.stats().scryptRuns, before.scryptRuns);
    assert.equal(g.stats().refusedMalformed, 4);
    assert.equal(failures.length, 0);
  });

  test('brute force on one user: throttled without hashing, then locked; the lock expires (test clock)', async () => {
    let now = 5_000_000;
    const { g, failures } = guard({ freeFailures: 2, lockAfter: 4, lockMs: 60_000 }, () => now);
    const attacker = '192.0.2.7';
    assert.equal((await g.authenticate(basic(REAL, 'guess-1'), attacker, never)).ok, false);
    assert.equal((await g.authenticate(basic(REAL, 'guess-2'), attacker, never)).ok, false);
    const hashed = g.stats().scryptRuns;
    const throttled = await g.authenticate(basic(REAL, 'guess-3'), attacker, never);
    assert.deepEqual(throttled, { ok: false, reason: 'throttled', retryAfterS: 1 });
    assert.equal(g.stats().scryptRuns, hashed, 'a throttled attempt is not hashed');
    now += 1_000;
    assert.deepEqual(await g.authenticate(basic(REAL, 'guess-3'), attacker, never), { ok: false, reason: 'invalid' });
    const second = await g.authenticate(basic(REAL, 'guess-4'), attacker, never);
    assert.deepEqual(second, { ok: false, reason: 'throttled', retryAfterS: 2 }, 'the delay doubles');
    now += 2_000;
    assert.deepEqual(await g.authenticate(basic(REAL, 'guess-4'), attacker, never), { ok: false, reason: 'invalid' });
    // Locked now: even the right password, from an address that never logged in as this user.
    const locked = await g.authenticate(basic(REAL, PASSWORD), '198.51.100.1', never);
    assert.deepEqual(locked, { ok: false, reason: 'throttled', retryAfterS: 60 });
    assert.deepEqual(
      failures.map(([u, a, r]) => `${u} ${a} ${r}`),
      [...[1, 2, 3].map(() => `${REAL} ${attacker} password`), `${REAL} ${attacker} password`, `${REAL} ${attacker} user-locked`],
    );
    now += 60_000;
    const after = await g.authenticate(basic(REAL, PASSWORD), '198.51.100.1', never);
    assert.ok(after.ok, 'the lock expired');
  });

  test('an address that logged in as the user recently is exempt from that user\'s lock, not from its own', async () => {
    let now = 9_000_000;
    const { g } = guard({ freeFailures: 1, lockAfter: 3, addressLockAfter: 3, lockMs: 60_000 }, () => now);
    const doctor = '203.0.113.5';
    assert.ok((await g.authenticate(basic(REAL, PASSWORD), doctor, never)).ok);
    // An attacker elsewhere locks the username.
    for (let i = 0; i < 3; i++) {
      await g.authenticate(basic(REAL, `guess-${i}`), `192.0.2.${i}`, never);
      now += 10_000;
    }
    assert.equal((await g.authenticate(basic(REAL, PASSWORD), '198.51.100.9', never)).ok, false, 'locked for a new address');
    assert.ok((await g.authenticate(basic(REAL, PASSWORD), doctor, never)).ok, 'the doctor keeps working');
    // The exemption does not cover the address's own throttle.
    for (let i = 0; i < 3; i++) {
      await g.authenticate(basic(REAL, `typo-${i}`), doctor, never);
      now += 10_000;
    }
    assert.equal((await g.authenticate(basic(REAL, PASSWORD), doctor, never)).ok, false);
  });

  test('a proven pincode ciphertext is known again only for the same user, ciphertext and pincode hash', () => {
    const { g } = guard();
    const [c1, c2, h1, h2] = ['A'.repeat(172), 'B'.repeat(172), 'scrypt$1', 'scrypt$2'];
    assert.equal(g.secrets.knownCiphertext(REAL, c1, h1), false);
    g.secrets.rememberCiphertext(REAL, c1, h1);
    assert.equal(g.secrets.knownCiphertext(REAL, c1, h1), true);
    assert.equal(g.secrets.knownCiphertext(REAL, c1, h2), false, 'a new pincode voids it');
    assert.equal(g.secrets.knownCiphertext(REAL, c2, h1), false);
    assert.equal(g.secrets.knownCiphertext(DISABLED, c1, h1), false, 'another user');
    g.secrets.rememberCiphertext(REAL, c2, h1);
    // The older one is still known through the hashed cache (a client may hold two sessions).
    assert.equal(g.secrets.knownCiphertext(REAL, c1, h1), true);
    assert.equal(g.secrets.knownCiphertext(REAL, c2, h1), true);
  });

  test('wrong pincodes count for the user and lock the pincode check (no exemption)', async () => {
    const now = 12_000_000;
    const { g, failures } = guard({ freeFailures: 1, lockAfter: 3, lockMs: 60_000 }, () => now);
    const stored = (await store.findUser(REAL))!.pincodeHash!;
    assert.equal(await g.secrets.check(REAL, 'pincode', '0000000000', stored), false);
    assert.deepEqual(failures.at(-1), [REAL, '', 'pincode']);
    // The next check comes too soon, even with the right pincode: refused without hashing.
    const hashed = g.stats().scryptRuns;
    const err = await g.secrets.check(REAL, 'pincode', '1234567890', stored).catch((e: unknown) => e);
    assert.ok(err instanceof LoginThrottledError && err.code === 'SAC_AUTH_THROTTLED' && err.retryAfterS === 1);
    assert.equal(g.stats().scryptRuns, hashed);
    // Counted against the user: a new address is now delayed.
    const login = await g.authenticate(basic(REAL, PASSWORD), '198.51.100.77', never);
    assert.equal(login.ok, false);
  });

  test('a full hash queue answers busy at once; abandoned logins are dropped', async () => {
    const { g } = guard({ hashConcurrency: 1, queue: 2 });
    const controllers = Array.from({ length: 20 }, () => new AbortController());
    const pending = controllers.map((c, i) => g.authenticate(basic(`NSSUTN80A01H50${i % 10}X`, `guess-${i}`), `10.9.${i}.1`, c.signal));
    // Only 1 running + 2 waiting were accepted; the other 17 were answered busy without waiting: the first 17
    // answers are all busy, before any hash could finish (a store's own latency, PostgreSQL's reads, may come
    // first; the bound only stops a hang).
    const settled: LoginResult[] = [];
    const seventeen = new Promise<LoginResult[]>((resolve) => {
      for (const p of pending) void p.then((r) => settled.push(r) === 17 && resolve(settled.slice()));
    });
    const early = await Promise.race([seventeen, delay(10_000).then(() => 'waited')]);
    assert.notEqual(early, 'waited');
    for (const r of early as LoginResult[]) assert.equal(r.ok === false && r.reason, 'busy');
    for (const c of controllers) c.abort();
    const all = await Promise.all(pending);
    // Every requester left: all answered busy (nobody reads it); the running hash completes on its own.
    assert.equal(all.filter((r) => !r.ok && r.reason === 'busy').length, 20);
    for (let i = 0; i < 100 && g.stats().running > 0; i++) await delay(50);
    const s = g.stats();
    assert.equal(s.running, 0);
    assert.equal(s.scryptRuns, 1);
    assert.equal(s.started, 1, 'only the hash already running was computed');
    assert.equal(s.dropped, 2);
    assert.equal(s.refused, 17);
  });

  test('caches are bounded in entries; verdict keys have a fixed size', async () => {
    const cache = new VerdictCache({ maxEntries: 10, maxFailures: 20 });
    const stored = hashSecret('x');
    for (let i = 0; i < 1_000; i++) {
      cache.record(`user${i}`, `secret-${i}`.repeat(20), stored, i % 2 === 0);
    }
    assert.equal(cache.size, 10);
    assert.equal(cache.failureCount, 20);
    const keys = [...(cache as unknown as { ok: { keys(): Iterable<string> } }).ok.keys()];
    assert.ok(keys.every((k) => k.length === 44), 'SHA-256 keys, whatever the input length');
  });
});
