/**
 * The PostgreSQL side of the bench: the throw-away cluster of the tests
 * (test/support/postgres.ts, initdb/pg_ctl as the postgres user, fsync and
 * synchronous_commit on) given the reloadable settings of the shipped
 * deploy/postgresql/sac-gateway.conf, its postmaster's PID (for the server
 * processes' CPU), and counters read before and after a timed run.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { postgresBinDir, startPostgresCluster, type PostgresCluster } from '../../test/support/postgres.js';

export { postgresBinDir, startPostgresCluster, type PostgresCluster };

/** The postmaster's PID, from postmaster.pid in the cluster's data directory. */
export function postmasterPid(cluster: PostgresCluster): number {
  const pid = Number(readFileSync(path.join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no postmaster PID in ${cluster.dataDir}`);
  return pid;
}

async function withClient<T>(url: string, f: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await f(client);
  } finally {
    await client.end();
  }
}

/** `name = value` lines of a postgresql.conf file (comments and blank lines skipped). */
export function confSettings(text: string): Array<{ name: string; value: string }> {
  const out: Array<{ name: string; value: string }> = [];
  for (const raw of text.split('\n')) {
    const l = raw.replace(/#.*$/, '').trim();
    const m = /^([a-z_]+)\s*=\s*(.+)$/.exec(l);
    if (m) out.push({ name: m[1]!, value: m[2]!.trim().replace(/^'(.*)'$/, '$1') });
  }
  return out;
}

/**
 * Applies deploy/postgresql/sac-gateway.conf to the running cluster with
 * ALTER SYSTEM + pg_reload_conf() where the setting can change without a
 * restart; answers what was applied and what stays at the cluster's start
 * values (postmaster-level settings such as max_connections and wal_level).
 */
export async function applyDeploySettings(root: string, cluster: PostgresCluster): Promise<{ applied: string[]; notApplied: string[]; sharedBuffers: string }> {
  const wanted = confSettings(readFileSync(path.join(root, 'deploy/postgresql/sac-gateway.conf'), 'utf8'));
  const admin = `postgres://postgres@127.0.0.1:${cluster.port}/postgres`;
  return withClient(admin, async (c) => {
    const applied: string[] = [];
    const notApplied: string[] = [];
    for (const { name, value } of wanted) {
      const row = (await c.query<{ context: string; setting: string; unit: string | null }>('SELECT context, setting, unit FROM pg_settings WHERE name = $1', [name])).rows[0];
      if (row === undefined) {
        notApplied.push(`${name} (unknown here)`);
      } else if (row.context === 'postmaster' || row.context === 'internal') {
        notApplied.push(`${name} = ${row.setting}${row.unit ?? ''} (needs a restart; shipped ${value})`);
      } else {
        await c.query(`ALTER SYSTEM SET ${pg.escapeIdentifier(name)} = ${pg.escapeLiteral(value)}`);
        applied.push(`${name} = ${value}`);
      }
    }
    await c.query('SELECT pg_reload_conf()');
    // Not in the shipped file (sized to the server's memory); the throw-away cluster's is small.
    const sharedBuffers = (await c.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows[0]!.shared_buffers;
    return { applied, notApplied, sharedBuffers };
  });
}

/** Server-side counters a timed run is measured by (differences of two readings). */
export interface PgCounters {
  /** Transactions committed in the bench's database. */
  readonly commits: number;
  readonly walRecords: number;
  readonly walBytes: number;
  /** WAL writes and fsyncs (fdatasync) issued by every process of the cluster. */
  readonly walWrites: number;
  readonly walSyncs: number;
  readonly checkpoints: number;
}

/**
 * Reads the counters of pg_stat_wal, pg_stat_database and pg_stat_bgwriter.
 * A busy backend publishes its statistics about once a second; what it did
 * in the last second before going idle is published only ~10 s later (or when
 * it ends). Read a little over a second after the warm-up and after the
 * timed run (the caller waits): the warm-up's unpublished tail then counts in
 * the window and the run's own tail does not, about the same amount of work
 * at a steady rate.
 */
export async function readCounters(url: string): Promise<PgCounters> {
  return withClient(url, async (c) => {
    const r = (
      await c.query<Record<string, string>>(
        `SELECT w.wal_records, w.wal_bytes, w.wal_write, w.wal_sync,
                b.checkpoints_timed + b.checkpoints_req AS checkpoints,
                (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) AS commits
           FROM pg_stat_wal w, pg_stat_bgwriter b`,
      )
    ).rows[0]!;
    return {
      commits: Number(r.commits),
      walRecords: Number(r.wal_records),
      walBytes: Number(r.wal_bytes),
      walWrites: Number(r.wal_write),
      walSyncs: Number(r.wal_sync),
      checkpoints: Number(r.checkpoints),
    };
  });
}

export function countersBetween(a: PgCounters, z: PgCounters): PgCounters {
  return {
    commits: z.commits - a.commits,
    walRecords: z.walRecords - a.walRecords,
    walBytes: z.walBytes - a.walBytes,
    walWrites: z.walWrites - a.walWrites,
    walSyncs: z.walSyncs - a.walSyncs,
    checkpoints: z.checkpoints - a.checkpoints,
  };
}

export async function countCertificatesPg(url: string): Promise<number> {
  return withClient(url, async (c) => Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM certificati')).rows[0]!.n));
}
