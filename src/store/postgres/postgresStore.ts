/**
 * The PostgreSQL adapter: the same guarantees as the SQLite store, shared by
 * several gateway nodes. Every write is one transaction (or one statement)
 * on a pooled connection, committed (synchronous_commit on: flushed, and on the
 * synchronous standbys if the cluster has any) before its promise settles.
 * Every state change has one winner whatever node makes it: a conditional
 * UPDATE ... WHERE state = 'attivo' RETURNING, a unique key, an admission's
 * row lock, or the idempotency claim's unique index. Journal entries of a
 * change are written in its transaction. Serialization failures and
 * deadlocks are retried (transactions.ts).
 */
import type pg from 'pg';
import type {
  CancelOutcome,
  CancelRicoveroOutcome,
  CertificateQuery,
  CertificateRecord,
  ClaimConflict,
  ConformanceCount,
  DischargeOutcome,
  EarlierReceipt,
  Employment,
  IdempotencyClaim,
  JournalAction,
  JournalEntry,
  JournalQuery,
  JournalStamp,
  JournalSubjectKind,
  Person,
  RectifyOutcome,
  RicoveroRecord,
  SandboxExchange,
  UserRecord,
} from '../port.js';
import { DATABASE_DEFAULTS } from '../../config.js';
import { personNameProblem } from '../../domain/personName.js';
import { InvalidPersonError, StoreUnavailableError, StoreWriteError } from '../errors.js';
import { LRUCache } from 'lru-cache';
import {
  certificateFromRow,
  certificateParams,
  employmentFromRow,
  journalFromRow,
  personFromRow,
  ricoveroFromRow,
  ricoveroParams,
  userFromRow,
  type CertificateRow,
  type EmploymentRow,
  type JournalRow,
  type PersonRow,
  type RicoveroRow,
  type UserRow,
} from '../sqlite/rows.js';
import type { Store } from '../ports/store.js';
import type { ConnectionStats } from '../ports/health.js';
import { newGatedPool, type GatedPool } from './gatedPool.js';
import { CLAIM_INSERT, PgClaims, isClaimConflict } from './claims.js';
import { migrate } from './migrations.js';
import * as q from './queries.js';
import { PgSandboxStore, PgSandboxInspect } from './sandbox.js';
import { MAX_ATTEMPTS, RollbackWith, asStoreError, inTransaction, onConnection, read, type TransactionCounter } from './transactions.js';

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database (never logged whole: see redactConnectionString). */
  readonly connectionString: string;
  /** Connections this node keeps at most. */
  readonly poolSize: number;
  /** How long a request waits for a free connection before the store answers unavailable, ms. */
  readonly connectTimeoutMs?: number;
  /** A statement running longer is cancelled by the server, ms (0: no limit). */
  readonly statementTimeoutMs?: number;
  /** No answer to a statement this long: the connection is dropped and the store answers unavailable, ms (DatabaseConfig.queryTimeoutMs). */
  readonly queryTimeoutMs?: number;
}

/** How stale this node's view of the users table may be (as SQLite's USERS_EPOCH_MAX_AGE_MS). */
export const PG_USERS_EPOCH_MAX_AGE_MS = 25;
/** Rows of one batch of an import (persons, employments): one statement each. */
const IMPORT_BATCH = 1_000;

/** The connection string with its password replaced: what a log line or an error may show. */
export function redactConnectionString(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) if (/pass/i.test(key)) parsed.searchParams.set(key, '***');
    return parsed.toString();
  } catch {
    return 'postgres://(unparsable connection string)';
  }
}

function certificateValues(record: CertificateRecord, by: JournalStamp): unknown[] {
  const p = certificateParams(record);
  return [p.id_certificato, p.kind, p.medico_cf, p.lavoratore_cf, p.data_ricezione, p.sent_by, p.state, p.data_rilascio, p.data_inizio,
    p.data_fine, p.document, p.rettifica_di, p.id_inizio_ricovero, by.clientAddress, p.paper_window];
}

function ricoveroValues(record: RicoveroRecord, by: JournalStamp): unknown[] {
  const p = ricoveroParams(record);
  return [p.id_inizio_ricovero, p.lavoratore_cf, p.operatore_cf, p.codice_regione, p.codice_asl, p.codice_struttura, p.sent_by,
    p.data_ricezione, p.data_ricovero, p.state, p.document, by.clientAddress];
}

/** Entries as one multi-row INSERT. */
async function insertJournal(client: pg.ClientBase, entries: ReadonlyArray<{ by: JournalStamp; action: JournalAction; kind: JournalSubjectKind; id: string; detail?: string | null }>): Promise<void> {
  if (entries.length === 0) return;
  const values: unknown[] = [];
  const rows: string[] = [];
  for (const e of entries) {
    const n = values.length;
    rows.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7}, $${n + 8})`);
    values.push(e.by.at, e.by.username, e.by.clientAddress, e.by.operation, e.action, e.kind, e.id, e.detail ?? null);
  }
  await client.query(`INSERT INTO access_journal ${q.JOURNAL_INSERT_COLUMNS} VALUES ${rows.join(', ')}`, values);
}

export class PostgresStore implements Store {
  private readonly claims = new PgClaims();
  private readonly writes: TransactionCounter = { running: 0, retried: 0 };
  private readonly inspect: PgSandboxInspect;
  /** The sandbox's per-user settings (src/store/sandboxPort.ts, asynchronous). */
  readonly sandbox: PgSandboxStore;
  private closed = false;

  /** Settles once the migrations are applied; rejects (StoreUnavailableError) when they failed: every call awaits it first (GatedPool). */
  readonly ready: Promise<void>;
  private readonly pool: GatedPool;

  private constructor(options: PostgresStoreOptions) {
    const statementTimeout = options.statementTimeoutMs ?? DATABASE_DEFAULTS.statementTimeoutMs;
    this.pool = newGatedPool({
      connectionString: options.connectionString,
      max: options.poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs ?? DATABASE_DEFAULTS.connectTimeoutMs,
      // A server gone silent (no reset) is given up on after this; the connection is then dropped (transactions.ts).
      query_timeout: options.queryTimeoutMs ?? DATABASE_DEFAULTS.queryTimeoutMs,
      idleTimeoutMillis: 30_000,
      // Set for every connection of the pool, whatever the server's or the role's default:
      // an acknowledged write is committed (and on the synchronous standbys, if any).
      options: `-c synchronous_commit=on -c statement_timeout=${statementTimeout} -c idle_in_transaction_session_timeout=60000`,
      application_name: 'sac-gateway',
    });
    // A pooled idle connection that dies (server restart, failover) is dropped by the pool; the next request gets a new one.
    this.pool.on('error', () => undefined);
    // A checked-out connection the server ends between two statements (a transaction's JS
    // work, a connect before its query) emits 'error' where the pool listens no more: unheard,
    // that crashed the process on a database restart (test/gateway.databaseRestart). Its
    // statement, or the next, fails as a lost connection (StoreUnavailableError) and is dropped.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
    const pool = this.pool;
    this.ready = pool.gateOn(() => PostgresStore.migrated(pool, options.connectionString));
    this.inspect = new PgSandboxInspect(this.pool, this.writes);
    this.sandbox = new PgSandboxStore(this.pool, this.writes);
  }

  private static async migrated(pool: GatedPool, connectionString: string): Promise<void> {
    const client = await pool.connectUngated().catch((err: unknown) => {
      throw new StoreUnavailableError(`PostgreSQL unavailable at ${redactConnectionString(connectionString)}: ${(err as Error).message}`);
    });
    await onConnection(client, migrate);
  }

  /**
   * The store at once, for openStore: the pool is created now, the
   * migrations run in the background (once, whichever node starts first) and
   * every call waits for them; a failed migration rejects every call with
   * StoreUnavailableError and shows in writeFailure().
   */
  static start(options: PostgresStoreOptions): PostgresStore {
    return new PostgresStore(options);
  }

  /** A pool on the database, its migrations applied: rejects (the pool closed) when they fail. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(options);
    try {
      await store.ready;
    } catch (err) {
      await store.close().catch(() => undefined);
      throw err;
    }
    return store;
  }

  // ------------------------------------------------------------------ users

  // Users and persons are read by nearly every request and change rarely: a few seconds of cache
  // (as SQLite's adapter keeps) spare a round trip each. Wrapped: a cached "absent" is a value too.
  private readonly users = new LRUCache<string, { readonly user: UserRecord | undefined }>({ max: 10_000, ttl: 5_000 });
  private readonly persons = new LRUCache<string, { value: Person | undefined }>({ max: 100_000, ttl: 60_000 });
  private usersEpochSeen = '';
  private usersEpochReadAt = -Infinity;
  /** The epoch read under way: concurrent requests share it (measured: without, 0.42 epoch reads per InviaMalattia at ~3,000 req/s instead of one per 25 ms). */
  private usersEpochRead: Promise<void> | undefined;

  /** Any change to users on any node bumps users_epoch: this node drops its cached users within PG_USERS_EPOCH_MAX_AGE_MS. */
  async findUser(username: string): Promise<UserRecord | undefined> {
    if (performance.now() - this.usersEpochReadAt >= PG_USERS_EPOCH_MAX_AGE_MS) {
      await (this.usersEpochRead ??= this.readUsersEpoch().finally(() => (this.usersEpochRead = undefined)));
    }
    const cached = this.users.get(username);
    if (cached !== undefined) return cached.user;
    const [row] = await read<UserRow>(this.pool, 'SELECT * FROM users WHERE username = $1', [username]);
    const user = row ? userFromRow(row) : undefined;
    this.users.set(username, { user });
    return user;
  }

  private async readUsersEpoch(): Promise<void> {
    const startedAt = performance.now();
    const [row] = await read<{ epoch: string }>(this.pool, 'SELECT epoch FROM users_epoch WHERE id = 1');
    this.usersEpochReadAt = startedAt;
    if (row!.epoch !== this.usersEpochSeen) {
      this.users.clear();
      this.usersEpochSeen = row!.epoch;
    }
  }

  /** The cached user while the epoch read is fresh (no query); undefined otherwise: the caller awaits findUser, which re-reads the epoch. */
  cachedUser(username: string): { readonly user: UserRecord | undefined } | undefined {
    if (performance.now() - this.usersEpochReadAt >= PG_USERS_EPOCH_MAX_AGE_MS) return undefined;
    // The cached wrapper itself: a hit allocates nothing.
    return this.users.get(username);
  }

  async putUser(user: UserRecord): Promise<void> {
    this.users.delete(user.username);
    await read(this.pool, q.PUT_USER, [user.username, user.kind, user.passwordHash, user.pincodeHash, user.codiceRegione, user.codiceAsl, user.codiceStruttura]);
    this.usersEpochReadAt = -Infinity;
  }

  async countUsers(): Promise<number> {
    const [row] = await read<{ n: string }>(this.pool, 'SELECT count(*) AS n FROM users');
    return Number(row!.n);
  }

  /** One query (users are few: an operator's list), handed out one by one. */
  async *listUsers(): AsyncIterable<UserRecord> {
    for (const row of await read<UserRow>(this.pool, 'SELECT * FROM users ORDER BY username')) yield userFromRow(row);
  }

  // ------------------------------------------------------------ certificates

  /**
   * A creation under an idempotency claim (or none): the earlier receipt if
   * the claim meets a live one; else the claim, then the creation. A creation
   * whose outcome is not a success is rolled back whole (claim included).
   */
  private underClaim<T>(
    claim: IdempotencyClaim | undefined,
    subjectKind: EarlierReceipt['subjectKind'],
    subjectId: string,
    create: (client: pg.PoolClient) => Promise<T>,
    succeeded: (outcome: T) => boolean = () => true,
  ): Promise<T | ClaimConflict> {
    return inTransaction(
      this.pool,
      async (client) => {
        if (claim !== undefined) {
          const decision = await this.claims.check(client, claim);
          if ('conflict' in decision) throw new RollbackWith(decision.conflict);
          await this.claims.record(client, claim, decision.stale, subjectKind, subjectId);
        }
        const outcome = await create(client);
        if (!succeeded(outcome)) throw new RollbackWith(outcome);
        return outcome;
      },
      this.writes,
    );
  }

  insertCertificate(record: CertificateRecord, by: JournalStamp, claim?: IdempotencyClaim): Promise<ClaimConflict | undefined> {
    return this.createClaimed(claim, 'certificato', record.idCertificato, q.INSERT_CERTIFICATE, certificateValues(record, by));
  }

  /**
   * A new certificate or admission, with its claim, in ONE statement (a
   * data-modifying CTE: both rows or neither), committed by itself. Tried
   * first without looking: most requests are new, and then it is the only
   * round trip (measured: one round trip costs the gateway ~75 µs of CPU on
   * loopback TCP). Any claim row already under the request's keys (a
   * resubmission, a twin committed or in flight, an expired claim) fails the
   * statement on its unique index; only then is the claim looked up, which
   * decides a replay, or clears the stale rows and tries again, bounded like a
   * transaction's retries.
   */
  private async createClaimed(
    claim: IdempotencyClaim | undefined,
    subjectKind: EarlierReceipt['subjectKind'],
    subjectId: string,
    insert: string,
    values: unknown[],
  ): Promise<ClaimConflict | undefined> {
    this.writes.running++;
    try {
      if (claim === undefined) {
        await read(this.pool, insert, values);
        return undefined;
      }
      const n = values.length;
      const statement = `WITH claim AS (${CLAIM_INSERT.replace(/\$(\d)/g, (_, i: string) => `$${n + Number(i)}`)}) ${insert}`;
      // Attempt 0: the insert alone; from attempt 1 on, after the claim's look-up.
      for (let attempt = 0; ; attempt++) {
        let stale: readonly string[] = [];
        if (attempt > 0) {
          const decision = await this.claims.check(this.pool, claim).catch((err: unknown) => {
            throw asStoreError(err);
          });
          if ('conflict' in decision) return decision.conflict;
          stale = decision.stale;
        }
        try {
          await this.claims.clear(this.pool, claim, stale);
          await this.pool.query(statement, [...values, claim.requestKey, claim.messageKey, claim.at, subjectKind, subjectId]);
          return undefined;
        } catch (err) {
          if (!isClaimConflict(err)) throw asStoreError(err);
          if (attempt >= MAX_ATTEMPTS) throw new StoreWriteError(`claim abandoned after ${attempt} attempts`, '23505');
          // The first conflict is a resubmission's ordinary path; a later one lost a race.
          if (attempt > 0) this.writes.retried++;
        }
      }
    } finally {
      this.writes.running--;
    }
  }

  async findClaim(claim: IdempotencyClaim): Promise<ClaimConflict | undefined> {
    try {
      return await onConnection(await this.pool.connect(), (client) => this.claims.find(client, claim));
    } catch (err) {
      throw asStoreError(err);
    }
  }

  async getCertificate(idCertificato: string): Promise<CertificateRecord | undefined> {
    const [row] = await read<CertificateRow>(this.pool, 'SELECT * FROM certificati WHERE id_certificato = $1', [idCertificato]);
    return row ? certificateFromRow(row) : undefined;
  }

  async getRectificationOf(idCertificato: string): Promise<CertificateRecord | undefined> {
    const [row] = await read<CertificateRow>(this.pool, 'SELECT * FROM certificati WHERE rettifica_di = $1', [idCertificato]);
    return row ? certificateFromRow(row) : undefined;
  }

  async findCertificates(query: CertificateQuery): Promise<CertificateRecord[]> {
    const rows = await read<CertificateRow>(this.pool, q.FIND_CERTIFICATES, [query.medicoCf, query.lavoratoreCf, query.kind, query.fromDay, query.toDay]);
    return rows.map(certificateFromRow);
  }

  async countCertificates(): Promise<number> {
    const [row] = await read<{ n: string }>(this.pool, 'SELECT count(*) AS n FROM certificati');
    return Number(row!.n);
  }

  async certificatesOfWorker(lavoratoreCf: string, limit: number): Promise<CertificateRecord[]> {
    const rows = await read<CertificateRow>(this.pool, 'SELECT * FROM certificati WHERE lavoratore_cf = $1 ORDER BY data_ricezione, id_certificato LIMIT $2', [lavoratoreCf, limit]);
    return rows.map(certificateFromRow);
  }

  async ricoveriOfWorker(lavoratoreCf: string, limit: number): Promise<RicoveroRecord[]> {
    const rows = await read<RicoveroRow>(this.pool, 'SELECT * FROM ricoveri WHERE lavoratore_cf = $1 ORDER BY data_ricezione, id_inizio_ricovero LIMIT $2', [lavoratoreCf, limit]);
    return rows.map(ricoveroFromRow);
  }

  async certificatesForEmployer(employerCf: string, dal: string, al: string, limit: number): Promise<CertificateRecord[]> {
    return (await read<CertificateRow>(this.pool, q.CERTIFICATES_FOR_EMPLOYER, [employerCf, dal, al, limit])).map(certificateFromRow);
  }

  async ricoveriForEmployer(employerCf: string, dal: string, al: string, limit: number): Promise<RicoveroRecord[]> {
    return (await read<RicoveroRow>(this.pool, q.RICOVERI_FOR_EMPLOYER, [employerCf, dal, al, limit])).map(ricoveroFromRow);
  }

  cancelCertificate(idCertificato: string, idAnnullamento: string, dataAnnullamento: string, by: JournalStamp): Promise<CancelOutcome> {
    return inTransaction(
      this.pool,
      async (client): Promise<CancelOutcome> => {
        const changed = await client.query(q.CANCEL_CERTIFICATE, [idAnnullamento, dataAnnullamento, idCertificato]);
        if (changed.rowCount !== 1) return 'not_active';
        await insertJournal(client, [{ by, action: 'annullamento', kind: 'certificato', id: idCertificato }]);
        return 'ok';
      },
      this.writes,
    );
  }

  rectifyCertificate(originalId: string, rectification: CertificateRecord, by: JournalStamp): Promise<RectifyOutcome> {
    return inTransaction(
      this.pool,
      async (client): Promise<RectifyOutcome> => {
        const changed = await client.query(q.MARK_RECTIFIED, [originalId]);
        if (changed.rowCount !== 1) return 'not_active';
        await client.query(q.INSERT_CERTIFICATE, certificateValues(rectification, by));
        await insertJournal(client, [{ by, action: 'rettifica', kind: 'certificato', id: originalId }]);
        return 'ok';
      },
      this.writes,
    );
  }

  // -------------------------------------------------------------- admissions

  insertRicovero(record: RicoveroRecord, by: JournalStamp, claim?: IdempotencyClaim): Promise<ClaimConflict | undefined> {
    return this.createClaimed(claim, 'ricovero', record.idInizioRicovero, q.INSERT_RICOVERO, ricoveroValues(record, by));
  }

  async getRicovero(idInizioRicovero: string): Promise<RicoveroRecord | undefined> {
    const [row] = await read<RicoveroRow>(this.pool, 'SELECT * FROM ricoveri WHERE id_inizio_ricovero = $1', [idInizioRicovero]);
    return row ? ricoveroFromRow(row) : undefined;
  }

  /** The admission's row is locked first, as insertDischarge does: a cancellation and a discharge never both win. */
  cancelRicovero(idInizioRicovero: string, idAnnullamento: string, dataAnnullamento: string, by: JournalStamp): Promise<CancelRicoveroOutcome> {
    return inTransaction(
      this.pool,
      async (client): Promise<CancelRicoveroOutcome> => {
        const locked = await client.query<{ state: string }>(q.LOCK_RICOVERO, [idInizioRicovero]);
        if (locked.rows[0]?.state !== 'attivo') return 'not_active';
        if ((await client.query(q.ACTIVE_DISCHARGE, [idInizioRicovero])).rowCount !== 0) return 'has_discharge';
        const changed = await client.query(q.CANCEL_RICOVERO, [idAnnullamento, dataAnnullamento, idInizioRicovero]);
        if (changed.rowCount !== 1) return 'not_active';
        await insertJournal(client, [{ by, action: 'annullamento', kind: 'ricovero', id: idInizioRicovero }]);
        return 'ok';
      },
      this.writes,
    );
  }

  /** The claim comes before the admission's checks: a resent discharge answers its first receipt, not "already sent". */
  insertDischarge(record: CertificateRecord, by: JournalStamp, claim?: IdempotencyClaim): Promise<DischargeOutcome | ClaimConflict> {
    const admission = record.idInizioRicovero;
    if (!admission) return Promise.reject(new Error('a discharge certificate refers to an admission'));
    return this.underClaim(
      claim,
      'certificato',
      record.idCertificato,
      async (client): Promise<DischargeOutcome> => {
        const locked = await client.query<{ state: string }>(q.LOCK_RICOVERO, [admission]);
        if (locked.rows[0]?.state !== 'attivo') return 'ricovero_not_active';
        if ((await client.query(q.ACTIVE_DISCHARGE, [admission])).rowCount !== 0) return 'discharge_exists';
        await client.query(q.INSERT_CERTIFICATE, certificateValues(record, by));
        await insertJournal(client, [{ by, action: 'dimissione', kind: 'ricovero', id: admission }]);
        return 'ok';
      },
      (outcome) => outcome === 'ok',
    );
  }

  // ----------------------------------------------------------------- journal

  async appendJournal(entries: readonly JournalEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await inTransaction(
      this.pool,
      (client) => insertJournal(client, entries.map((e) => ({ by: e, action: e.action, kind: e.subjectKind, id: e.subjectId, detail: e.detail }))),
      this.writes,
    );
  }

  async *readJournal(query: JournalQuery): AsyncIterable<JournalEntry> {
    const rows =
      'username' in query
        ? await read<JournalRow>(this.pool, q.JOURNAL_BY_USER, [query.username])
        : 'person' in query
          ? await read<JournalRow>(this.pool, q.JOURNAL_BY_PERSON, [query.person])
          : await read<JournalRow>(this.pool, q.JOURNAL_BY_SUBJECT, [query.subjectId, query.subjectKind]);
    for (const row of rows) yield journalFromRow(row);
  }

  // ----------------------------------------------------------------- sandbox

  recordSandboxExchange(exchange: SandboxExchange, keep: number): Promise<void> {
    return this.inspect.record(exchange, keep);
  }

  readSandboxExchanges(username: string): Promise<SandboxExchange[]> {
    return this.inspect.exchanges(username);
  }

  readConformance(username: string): Promise<ConformanceCount[]> {
    return this.inspect.conformance(username);
  }

  resetSandbox(username: string, what: 'conformita' | 'richieste'): Promise<void> {
    return this.inspect.reset(username, what);
  }

  // ----------------------------------------------------------------- persons

  async findPerson(codiceFiscale: string): Promise<Person | undefined> {
    const cached = this.persons.get(codiceFiscale);
    if (cached !== undefined) return cached.value;
    const [row] = await read<PersonRow>(this.pool, 'SELECT * FROM assistiti WHERE codice_fiscale = $1', [codiceFiscale]);
    const person = row ? personFromRow(row) : undefined;
    this.persons.set(codiceFiscale, { value: person });
    return person;
  }

  /** Batches of IMPORT_BATCH, each checked whole before it is written, each in its own transaction. */
  async putPersons(persons: Iterable<Person>): Promise<number> {
    this.persons.clear();
    let written = 0;
    let batch = new Map<string, Person>();
    const flush = async (): Promise<void> => {
      const rows = [...batch.values()];
      const column = (pick: (p: Person) => string): string[] => rows.map(pick);
      await inTransaction(this.pool, (client) =>
        client.query(q.PUT_PERSONS, [
          column((p) => p.codiceFiscale), column((p) => p.cognome), column((p) => p.nome), column((p) => p.sesso),
          column((p) => p.dataNascita), column((p) => p.comuneNascita), column((p) => p.provinciaNascita),
        ]),
      );
      written += rows.length;
      batch = new Map();
    };
    for (const person of persons) {
      // Answers echo these names: one outside the contract's form would make a receipt invalid.
      const problem = personNameProblem(person);
      if (problem !== undefined) throw new InvalidPersonError(`person not stored: ${problem}`);
      // The same person twice in a batch: the last one counts (one statement cannot write a row twice).
      batch.delete(person.codiceFiscale);
      batch.set(person.codiceFiscale, person);
      if (batch.size === IMPORT_BATCH) await flush();
    }
    if (batch.size > 0) await flush();
    this.persons.clear();
    return written;
  }

  async countPersons(): Promise<number> {
    const [row] = await read<{ n: string }>(this.pool, 'SELECT count(*) AS n FROM assistiti');
    return Number(row!.n);
  }

  // ------------------------------------------------------------- employments

  async employersOf(workerCf: string, from: string, to: string): Promise<Employment[]> {
    return (await read<EmploymentRow>(this.pool, q.EMPLOYERS_OF, [workerCf, from, to])).map(employmentFromRow);
  }

  async workersOf(employerCf: string, from: string, to: string): Promise<Employment[]> {
    return (await read<EmploymentRow>(this.pool, q.WORKERS_OF, [employerCf, from, to])).map(employmentFromRow);
  }

  async employs(employerCf: string, workerCf: string, from: string, to: string): Promise<boolean> {
    return (await read(this.pool, q.EMPLOYS, [employerCf, workerCf, from, to])).length > 0;
  }

  /** One transaction for the whole list (as SQLite's), in statements of IMPORT_BATCH rows. */
  async putEmployments(employments: readonly Employment[]): Promise<number> {
    if (employments.length === 0) return 0;
    await inTransaction(
      this.pool,
      async (client) => {
        for (let from = 0; from < employments.length; from += IMPORT_BATCH) {
          // The same employment twice in one statement: the last one counts.
          const unique = new Map<string, Employment>();
          for (const e of employments.slice(from, from + IMPORT_BATCH)) unique.set(`${e.workerCf}|${e.employerCf}|${e.from}`, e);
          const rows = [...unique.values()];
          await client.query(q.PUT_EMPLOYMENTS, [
            rows.map((e) => e.workerCf), rows.map((e) => e.employerCf), rows.map((e) => e.from), rows.map((e) => e.to),
            rows.map((e) => e.ragioneSociale), rows.map((e) => e.matricolaInps), rows.map((e) => e.codSede),
          ]);
        }
      },
      this.writes,
    );
    return employments.length;
  }

  async countEmployments(): Promise<number> {
    const [row] = await read<{ n: string }>(this.pool, 'SELECT count(*) AS n FROM rapporti_lavoro');
    return Number(row!.n);
  }

  // ------------------------------------------------------------------ health

  /** Why the store cannot take writes now: closed, its migrations failed, or the last connection failed (cleared by the next success; while failed, a connection is tried at most once a second). No query. */
  writeFailure(): Error | undefined {
    if (this.closed) return new StoreUnavailableError('the store is closed');
    const failure = this.pool.failure;
    if (failure !== undefined) this.pool.probe();
    return failure;
  }

  /** Write transactions of this node not committed yet. */
  pendingWrites(): number {
    return this.writes.running;
  }

  /** The pool's counts, read by /metrics at scrape time. */
  connectionStats(): ConnectionStats {
    return { open: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount, retries: this.writes.retried };
  }

  /** Waits for the transactions under way (pool.end does), then closes every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sandbox.stop();
    await this.ready.catch(() => undefined);
    await this.pool.end();
  }
}
