/**
 * A throw-away PostgreSQL cluster for the tests of the PostgreSQL half:
 * Debian's initdb and pg_ctl run as the `postgres` OS user (root may not run
 * a cluster), the data in a fresh temp directory owned by it, listening on
 * 127.0.0.1 on a free port (its Unix socket in the same directory), with
 * fsync and synchronous_commit on as in production. usePostgres(): one
 * cluster per test file, one database per caller (CREATE DATABASE ...
 * TEMPLATE template0). scripts/test.ts starts one for the whole PostgreSQL
 * half of `npm test` (test/support/testStore.ts makes its databases).
 *
 * Without the binaries a test using it is skipped with a message saying so,
 * except under CI (CI set and not "false"/"0"), where it fails: CI installs
 * Debian's postgresql (.ci/install-test-deps.sh) and never skips this half.
 */
import { after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { IN_CI } from './ci.js';

const run = promisify(execFile);

export const POSTGRES_MISSING =
  "PostgreSQL not installed: the PostgreSQL half needs Debian's postgresql (`apt-get install -y --no-install-recommends postgresql`, or `bash .ci/install-test-deps.sh`)";


/** Debian's versioned binaries directory (the newest installed), or undefined. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : path.join(root, versions[0], 'bin');
}

export interface PostgresCluster {
  readonly port: number;
  /** A fresh, empty database; its connection string (no password: the cluster trusts local connections). */
  createDatabase(name?: string): Promise<string>;
  /** Where the cluster's postmaster runs (for tests that stop it). */
  readonly dataDir: string;
  /** The maintenance database's connection string (the superuser, no password), for CREATE DATABASE. */
  readonly adminUrl: string;
  /**
   * `pg_ctl restart -m fast`, as an operator restarts the server: every session is
   * ended (transactions under way rolled back), then the same server is started
   * again with the same options, on the same port.
   */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The postgres OS user's uid and gid. */
function postgresIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (line === undefined) throw new Error('no postgres OS user (Debian\'s postgresql package creates it)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** As the postgres OS user when we are root (initdb and the postmaster refuse root). */
function asPostgres(bin: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  if (process.getuid?.() === 0) return run('runuser', ['-u', 'postgres', '--', bin, ...args], { timeout: 120_000 });
  return run(bin, args, { timeout: 120_000 });
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

let databases = 0;

export interface ClusterOptions {
  /** max_connections (default 100): the whole-suite run (scripts/test.ts) needs more, one pool per gateway. */
  readonly maxConnections?: number;
}

export async function startPostgresCluster(binDir: string, clusterOptions: ClusterOptions = {}): Promise<PostgresCluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sac-pg-'));
  const dataDir = path.join(dir, 'data');
  if (process.getuid?.() === 0) {
    const { uid, gid } = postgresIds();
    chownSync(dir, uid, gid);
  }
  const port = await freePort();
  /** pg_ctl on this cluster, waiting for the action to complete; the server's log in the temp directory. */
  const pgCtl = (action: string, ...args: string[]) => asPostgres(path.join(binDir, 'pg_ctl'), ['-D', dataDir, '-l', path.join(dir, 'server.log'), '-w', ...args, action]);
  let pid: number | undefined;
  // If this process dies without its after() hooks, the postmaster goes with it (by its PID).
  const onExit = (): void => {
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        /* already gone */
      }
    }
  };
  try {
    await asPostgres(path.join(binDir, 'initdb'), ['-D', dataDir, '--auth=trust', '--username=postgres', '--encoding=UTF8', '--locale=C', '--no-sync']);
    const options = [
      `-p ${port}`,
      "-c listen_addresses='127.0.0.1'",
      `-c unix_socket_directories='${dir}'`,
      '-c fsync=on',
      '-c synchronous_commit=on',
      `-c max_connections=${clusterOptions.maxConnections ?? 100}`,
      '-c shared_buffers=32MB',
    ].join(' ');
    await pgCtl('start', '-t', '60', '-o', options);
    pid = postmasterPid(dataDir);
    process.once('exit', onExit);
  } catch (err) {
    onExit();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    port,
    dataDir,
    adminUrl: admin,
    async createDatabase(name = `sac_test_${process.pid}_${++databases}`) {
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE template0`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async restart() {
      await pgCtl('restart', '-m', 'fast', '-t', '60');
      pid = postmasterPid(dataDir);
    },
    async stop() {
      process.removeListener('exit', onExit);
      try {
        await pgCtl('stop', '-m', 'fast', '-t', '30');
      } catch {
        // pg_ctl could not stop it: by its PID.
        onExit();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One cluster for the calling test file, started on first use and stopped
 * in after(). `database(t)` answers a fresh database's connection string, or
 * undefined after skipping `t` (failing it under CI) when PostgreSQL is absent.
 */
export function usePostgres(): { database(t: TestContext): Promise<string | undefined>; cluster(): Promise<PostgresCluster | undefined> } {
  let started: Promise<PostgresCluster | undefined> | undefined;
  const cluster = (): Promise<PostgresCluster | undefined> => {
    if (started === undefined) {
      const bin = postgresBinDir();
      started = bin === undefined ? Promise.resolve(undefined) : startPostgresCluster(bin);
    }
    return started;
  };
  after(async () => {
    const c = await started?.catch(() => undefined);
    await c?.stop();
  });
  return {
    cluster,
    async database(t) {
      const c = await cluster();
      if (c === undefined) {
        if (IN_CI) assert.fail(`${POSTGRES_MISSING}\nCI is set: the PostgreSQL half fails, it is never skipped.`);
        t.skip(POSTGRES_MISSING);
        return undefined;
      }
      return c.createDatabase();
    },
  };
}
