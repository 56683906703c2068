/**
 * The parts of `npm run bench`'s PostgreSQL comparison that are not
 * figures (test/support/nginx.ts, bench/lib/postgres.ts), with real programs:
 * the shipped nginx file rewritten for the bench's nodes and Debian's nginx
 * serving through it, then stopped by its PID; the shipped PostgreSQL
 * settings applied to a throw-away cluster; the WAL counters moving with a
 * commit. Nothing here measures time. nginx or PostgreSQL missing: that
 * test is skipped saying why (under CI the PostgreSQL one fails, as in
 * test/support/postgres.ts).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { NGINX, siteConfig, startNginx, type RunningNginx } from './support/nginx.js';
import { applyDeploySettings, confSettings, countersBetween, postmasterPid, readCounters } from '../bench/lib/postgres.js';
import { processTree } from './support/processTree.js';
import { usePostgres } from './support/postgres.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'sac-bench-test-'));
const servers: Server[] = [];
let front: RunningNginx | undefined;
const postgres = usePostgres();
after(async () => {
  await front?.stop();
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  rmSync(work, { recursive: true, force: true });
});

test('the shipped nginx file, rewritten for the bench: exactly the given upstreams and listener, nothing else changed', () => {
  const shipped = readFileSync(join(ROOT, 'deploy/nginx/sac-gateway.conf'), 'utf8');
  const two = siteConfig([41001, 41002], 41000);
  const upstreams = two.split('\n').filter((l) => /^\s*server 127\.0\.0\.1:/.test(l));
  assert.deepEqual(
    upstreams.map((l) => l.trim()),
    ['server 127.0.0.1:41001 max_fails=3 fail_timeout=10s;', 'server 127.0.0.1:41002 max_fails=3 fail_timeout=10s;'],
  );
  assert.match(two, /^\s*listen 127\.0\.0\.1:41000;$/m);
  // Every other line is the shipped one: the bench measures the deployed proxy settings.
  const rest = (text: string) => text.split('\n').filter((l) => !/^\s*(server 127\.0\.0\.1:|listen )/.test(l));
  assert.deepEqual(rest(two), rest(shipped));
  assert.equal(siteConfig([41001], 41000).split('\n').filter((l) => /^\s*server 127\.0\.0\.1:/.test(l)).length, 1);
});

test('nginx before two upstreams: both receive requests, and stop() ends the master and its workers', { skip: NGINX === undefined ? 'nginx is not installed here' : false }, async () => {
  const ports: number[] = [];
  for (const name of ['a', 'b']) {
    const s = createServer((_req, res) => res.end(name));
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    ports.push((s.address() as { port: number }).port);
  }
  front = await startNginx(ports, { processes: 'auto' });
  const tree = processTree(front.pid);
  assert.ok(tree.length >= 2, `master and at least one worker: ${tree.join(', ')}`);
  const seen = new Set<string>();
  for (let i = 0; i < 40 && seen.size < 2; i++) seen.add(await (await fetch(`${front.url}/healthz`)).text());
  assert.deepEqual([...seen].sort(), ['a', 'b'], 'least_conn spreads requests over both upstreams');
  await front.stop();
  for (let i = 0; i < 50 && tree.some((p) => processTree(p).length > 0); i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(tree.filter((p) => processTree(p).length > 0), [], 'no nginx process left');
});

test('PostgreSQL: the shipped settings applied without a restart, and a commit counted in pg_stat_wal', async (t) => {
  const url = await postgres.database(t);
  if (url === undefined) return;
  const cluster = (await postgres.cluster())!;
  const wanted = confSettings(readFileSync(join(ROOT, 'deploy/postgresql/sac-gateway.conf'), 'utf8'));
  assert.ok(wanted.some((s) => s.name === 'synchronous_commit' && s.value === 'on'));
  const { applied, notApplied, sharedBuffers } = await applyDeploySettings(ROOT, cluster);
  assert.equal(applied.length + notApplied.length, wanted.length, 'every shipped setting is either applied or reported');
  assert.ok(applied.includes('checkpoint_timeout = 15min'));
  assert.ok(notApplied.some((s) => s.startsWith('max_connections')), notApplied.join('; '));
  assert.match(sharedBuffers, /^\d+[kMG]B$/);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    assert.equal((await client.query<{ checkpoint_timeout: string }>('SHOW checkpoint_timeout')).rows[0]!.checkpoint_timeout, '15min');
    const pid = postmasterPid(cluster);
    assert.ok(processTree(pid).length > 2, 'the postmaster and its server processes');
    await client.query('CREATE TABLE t (n integer)');
  } finally {
    await client.end();
  }
  const before = await readCounters(url);
  // A session publishes its statistics at most once a second, and at the latest when it ends.
  const writer = new pg.Client({ connectionString: url });
  await writer.connect();
  try {
    for (let i = 0; i < 5; i++) await writer.query('INSERT INTO t VALUES ($1)', [i]);
  } finally {
    await writer.end();
  }
  let d = countersBetween(before, await readCounters(url));
  for (let i = 0; i < 20 && (d.walRecords < 5 || d.walSyncs < 1); i++) {
    await new Promise((r) => setTimeout(r, 100));
    d = countersBetween(before, await readCounters(url));
  }
  assert.ok(d.commits >= 5, `commits ${d.commits}`);
  assert.ok(d.walBytes > 0 && d.walRecords >= 5, JSON.stringify(d));
  assert.ok(d.walSyncs >= 1, `a durable commit flushes the WAL: ${JSON.stringify(d)}`);
});
