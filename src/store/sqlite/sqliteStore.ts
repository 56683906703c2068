/**
 * The embedded adapter: one SQLite file in WAL mode. synchronous=FULL makes
 * every commit fsync the WAL, so a certificate is on disk before the
 * acknowledgement that names its PUC is written to the socket. Reads run on
 * the request thread; writes go to the single writer (writeChannel.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type {
  CancelOutcome,
  CancelRicoveroOutcome,
  CertificateQuery,
  CertificateRecord,
  ConformanceCount,
  ClaimConflict,
  DischargeOutcome,
  Employment,
  IdempotencyClaim,
  JournalEntry,
  JournalQuery,
  JournalStamp,
  Person,
  RectifyOutcome,
  RicoveroRecord,
  SandboxExchange,
  Store,
  UserRecord,
} from '../port.js';
import { personNameProblem } from '../../domain/personName.js';
import { InvalidPersonError } from '../errors.js';
import { TtlCache } from '../ttlCache.js';
import { EmploymentReads } from './employments.js';
import { migrate } from './migrations.js';
import { certificateFromRow, journalFromRow, personFromRow, ricoveroFromRow, userFromRow, type CertificateRow, type JournalRow, type RicoveroRow, type UserRow } from './rows.js';
import { SandboxReads } from './sandboxReads.js';
import { SqliteSandboxStore } from './sandboxStore.js';
import { SocketWriteChannel } from './socketWriter.js';
import { LocalWriteChannel, ThreadWriteChannel, type WriteChannel } from './writeChannel.js';

/** Where this store's writes are made: here, on a writer thread, or by the cluster primary's writer (its socket). */
export type WriterPlacement = 'local' | 'thread' | { readonly socketPath: string };

export const STORE_FILE = 'sac-gateway.sqlite';

/** Owner only: the store holds diagnoses and password hashes. */
export const DATA_DIR_MODE = 0o700;
export const STORE_FILE_MODE = 0o600;
/** The database and the files SQLite keeps beside it in WAL mode. */
export const STORE_FILES = [STORE_FILE, `${STORE_FILE}-wal`, `${STORE_FILE}-shm`] as const;

/**
 * The data directory 0700 and the store's files 0600, whatever existed
 * before (a directory made by hand, files restored from a backup). The
 * database file is created here, not by SQLite, so that its mode never
 * depends on the umask; SQLite gives its -wal and -shm the database's mode.
 */
function secureStoreFiles(dataDir: string): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  fs.chmodSync(dataDir, DATA_DIR_MODE);
  fs.closeSync(fs.openSync(path.join(dataDir, STORE_FILE), 'a', STORE_FILE_MODE));
  for (const name of STORE_FILES) {
    try {
      fs.chmodSync(path.join(dataDir, name), STORE_FILE_MODE);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/** How stale this process's view of the users table may be (see findUser). */
export const USERS_EPOCH_MAX_AGE_MS = 25;

/** The journal's columns, in the order every branch of a journal query yields them. */
const JOURNAL_COLUMNS = 'seq, at, username, client_address, operation, action, subject_kind, subject_id, detail';
/** A certificate's creation entry, read from its own row (migration 3). */
const CERTIFICATE_CREATIONS = `SELECT NULL AS seq, data_ricezione AS at, sent_by AS username, coalesce(client_address, '') AS client_address,
    CASE WHEN kind = 'malattia' THEN iif(rettifica_di IS NULL, 'InviaMalattia', 'RettificaMalattia')
         ELSE iif(rettifica_di IS NULL, 'InviaDimissione', 'RettificaDimissione') END AS operation,
    'creazione' AS action, 'certificato' AS subject_kind, id_certificato AS subject_id, NULL AS detail
  FROM certificati`;
/** An admission's creation entry, read from its own row. */
const ADMISSION_CREATIONS = `SELECT NULL AS seq, data_ricezione AS at, sent_by AS username, coalesce(client_address, '') AS client_address,
    'InviaRicovero' AS operation, 'creazione' AS action, 'ricovero' AS subject_kind, id_inizio_ricovero AS subject_id, NULL AS detail
  FROM ricoveri`;
/** Oldest first; a creation (no seq) before what followed it at the same instant. */
const JOURNAL_ORDER = 'ORDER BY at, seq';

/** A cached user, and the settled promise findUser hands back for it (the same object on every hit). */
interface CachedUser {
  readonly user: UserRecord | undefined;
  readonly promise: Promise<UserRecord | undefined>;
}

/** Pages of WAL (4 KiB each) after which a commit checkpoints. */
const WAL_AUTOCHECKPOINT_PAGES = 4_000;

export function openDatabase(dataDir: string): Database.Database {
  secureStoreFiles(dataDir);
  const db = new Database(path.join(dataDir, STORE_FILE));
  // First, so that a concurrent opener waits for the lock instead of failing.
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  // Checkpoint every ~40 MB of WAL instead of SQLite's 4 MB: a certificate dirties a few random
  // index pages, and a page written to the WAL many times is copied back once per checkpoint.
  // Measured on the writer alone (150k certificates, group commits of 16 and 48): -13% and -24% per certificate.
  db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly stmt;
  private readonly writer: WriteChannel;
  /** The sandbox's per-user settings (src/store/sandboxPort.ts). */
  readonly sandbox: SqliteSandboxStore;

  constructor(db: Database.Database, writer: WriteChannel = new LocalWriteChannel(db)) {
    this.db = db;
    this.writer = writer;
    this.sandbox = new SqliteSandboxStore(db, writer);
    this.stmt = {
      findUser: db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?'),
      putUser: db.prepare(
        `INSERT INTO users (username, kind, password_hash, pincode_hash, codice_regione, codice_asl, codice_struttura)
         VALUES (@username, @kind, @password_hash, @pincode_hash, @codice_regione, @codice_asl, @codice_struttura)
         ON CONFLICT (username) DO UPDATE SET kind = excluded.kind, password_hash = excluded.password_hash,
           pincode_hash = excluded.pincode_hash, codice_regione = excluded.codice_regione,
           codice_asl = excluded.codice_asl, codice_struttura = excluded.codice_struttura`,
      ),
      countUsers: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM users'),
      listUsers: db.prepare<[], UserRow>('SELECT * FROM users ORDER BY username'),
      usersEpoch: db.prepare<[], number>('SELECT epoch FROM users_epoch WHERE id = 1').pluck(),
      getCertificate: db.prepare<[string], CertificateRow>('SELECT * FROM certificati WHERE id_certificato = ?'),
      findCertificates: db.prepare<[string, string, string, string, string], CertificateRow>(
        `SELECT * FROM certificati WHERE medico_cf = ? AND lavoratore_cf = ? AND kind = ?
           AND data_rilascio BETWEEN ? AND ? ORDER BY data_rilascio DESC, data_ricezione DESC`,
      ),
      getRicovero: db.prepare<[string], RicoveroRow>('SELECT * FROM ricoveri WHERE id_inizio_ricovero = ?'),
      // Through the unique partial index certificati_rettifica_unica (migration 2).
      getRectificationOf: db.prepare<[string], CertificateRow>('SELECT * FROM certificati WHERE rettifica_di = ?'),
      certificatesOfWorker: db.prepare<[string, number], CertificateRow>(
        'SELECT * FROM certificati WHERE lavoratore_cf = ? ORDER BY data_ricezione, id_certificato LIMIT ?',
      ),
      // Through rapporti_by_datore, then each worker's certificates by migration 10's index; the
      // day of a reception or cancellation is its first ten characters (written with Rome's offset).
      certificatesForEmployer: db.prepare<{ employer: string; dal: string; al: string; limit: number }, CertificateRow>(
        `SELECT * FROM certificati WHERE lavoratore_cf IN (SELECT lavoratore_cf FROM rapporti_lavoro WHERE datore_cf = @employer)
           AND (substr(data_ricezione, 1, 10) BETWEEN @dal AND @al OR substr(data_annullamento, 1, 10) BETWEEN @dal AND @al)
           LIMIT @limit`,
      ),
      ricoveriForEmployer: db.prepare<{ employer: string; dal: string; al: string; limit: number }, RicoveroRow>(
        `SELECT * FROM ricoveri WHERE lavoratore_cf IN (SELECT lavoratore_cf FROM rapporti_lavoro WHERE datore_cf = @employer)
           AND (substr(data_ricezione, 1, 10) BETWEEN @dal AND @al OR substr(data_annullamento, 1, 10) BETWEEN @dal AND @al)
           LIMIT @limit`,
      ),
      ricoveriOfWorker: db.prepare<[string, number], RicoveroRow>(
        'SELECT * FROM ricoveri WHERE lavoratore_cf = ? ORDER BY data_ricezione, id_inizio_ricovero LIMIT ?',
      ),
      countCertificates: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM certificati'),
      findPerson: db.prepare<[string], Record<string, string>>('SELECT * FROM assistiti WHERE codice_fiscale = ?'),
      putPerson: db.prepare(
        `INSERT OR REPLACE INTO assistiti (codice_fiscale, cognome, nome, sesso, data_nascita, comune_nascita, provincia_nascita)
         VALUES (@codiceFiscale, @cognome, @nome, @sesso, @dataNascita, @comuneNascita, @provinciaNascita)`,
      ),
      countPersons: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM assistiti'),
      journalBySubject: db.prepare<{ id: string; kind: string }, JournalRow>(
        `SELECT * FROM (
           SELECT ${JOURNAL_COLUMNS} FROM access_journal WHERE subject_id = @id AND subject_kind = @kind
           UNION ALL ${CERTIFICATE_CREATIONS} WHERE @kind = 'certificato' AND id_certificato = @id
           UNION ALL ${ADMISSION_CREATIONS} WHERE @kind = 'ricovero' AND id_inizio_ricovero = @id
         ) ${JOURNAL_ORDER}`,
      ),
      // A doctor's own certificates by a scan since migration 10 (an occasional audit); those a region sent through the partial index.
      journalByUser: db.prepare<{ user: string }, JournalRow>(
        `SELECT * FROM (
           SELECT ${JOURNAL_COLUMNS} FROM access_journal WHERE username = @user
           UNION ALL ${CERTIFICATE_CREATIONS} WHERE medico_cf = @user AND sent_by = @user
           UNION ALL ${CERTIFICATE_CREATIONS} WHERE sent_by = @user AND sent_by <> medico_cf
           UNION ALL ${ADMISSION_CREATIONS} WHERE sent_by = @user
         ) ${JOURNAL_ORDER}`,
      ),
      // A person's own entries and those of every certificate and admission about them
      // (through the indexes by worker of migration 10).
      journalByPerson: db.prepare<{ cf: string }, JournalRow>(
        `SELECT * FROM (
           SELECT ${JOURNAL_COLUMNS} FROM access_journal WHERE subject_id IN (
               SELECT @cf UNION ALL
               SELECT id_certificato FROM certificati WHERE lavoratore_cf = @cf UNION ALL
               SELECT id_inizio_ricovero FROM ricoveri WHERE lavoratore_cf = @cf)
             AND subject_kind IN ('persona', 'certificato', 'ricovero')
           UNION ALL ${CERTIFICATE_CREATIONS} WHERE lavoratore_cf = @cf
           UNION ALL ${ADMISSION_CREATIONS} WHERE lavoratore_cf = @cf
         ) ${JOURNAL_ORDER}`,
      ),
    };
  }

  static open(dataDir: string, placement: WriterPlacement = 'local'): SqliteStore {
    const db = openDatabase(dataDir);
    const writer =
      placement === 'thread' ? new ThreadWriteChannel(dataDir) : placement === 'local' ? undefined : new SocketWriteChannel(placement.socketPath);
    return new SqliteStore(db, writer);
  }

  // Users and assisted persons are read by nearly every request and change
  // rarely: a few seconds of cache (evicted at once by this process's own
  // writes) spare a SQLite read each.
  // The caches hold the settled promise itself: a hit hands back the same object, allocating nothing.
  private readonly users = new TtlCache<string, CachedUser>(5_000, 10_000);
  private readonly persons = new TtlCache<string, Promise<Person | undefined>>(60_000, 100_000);

  // Any change to users (this process, the CLI, another process on this file)
  // bumps users_epoch (migration 4's triggers); a change drops every cached
  // user. The epoch is re-read at most USERS_EPOCH_MAX_AGE_MS after the last
  // read (a read costs ~5 µs, more than the whole cached lookup), and
  // `sac-gateway users` waits twice that before it returns: when it returns,
  // no gateway on this store accepts the old password any more.
  private usersEpochSeen = -1;
  private usersEpochReadAt = -Infinity;

  findUser(username: string): Promise<UserRecord | undefined> {
    this.checkUsersEpoch();
    return this.users.get(username, this.loadUser).promise;
  }

  cachedUser(username: string): { readonly user: UserRecord | undefined } | undefined {
    this.checkUsersEpoch();
    return this.users.peek(username);
  }

  private readonly loadUser = (username: string): CachedUser => {
    const user = this.readUser(username);
    return { user, promise: Promise.resolve(user) };
  };

  private checkUsersEpoch(): void {
    const now = performance.now();
    if (now - this.usersEpochReadAt >= USERS_EPOCH_MAX_AGE_MS) {
      const epoch = this.stmt.usersEpoch.get()!;
      this.usersEpochReadAt = now;
      if (epoch !== this.usersEpochSeen) {
        this.users.clear();
        this.usersEpochSeen = epoch;
      }
    }
  }

  private readUser(username: string): UserRecord | undefined {
    const row = this.stmt.findUser.get(username);
    return row ? userFromRow(row) : undefined;
  }

  async *listUsers(): AsyncIterable<UserRecord> {
    for (const row of this.stmt.listUsers.iterate()) yield userFromRow(row);
  }

  async putUser(user: UserRecord): Promise<void> {
    this.users.delete(user.username);
    this.stmt.putUser.run({
      username: user.username,
      kind: user.kind,
      password_hash: user.passwordHash,
      pincode_hash: user.pincodeHash,
      codice_regione: user.codiceRegione,
      codice_asl: user.codiceAsl,
      codice_struttura: user.codiceStruttura,
    });
  }

  async countUsers(): Promise<number> {
    return this.stmt.countUsers.get()!.n;
  }

  insertCertificate(record: CertificateRecord, by: JournalStamp, claim?: IdempotencyClaim): Promise<ClaimConflict | undefined> {
    return this.writer.send(claim ? { op: 'insertCertificate', record, by, claim } : { op: 'insertCertificate', record, by }) as Promise<ClaimConflict | undefined>;
  }

  findClaim(claim: IdempotencyClaim): Promise<ClaimConflict | undefined> {
    return this.writer.send({ op: 'findClaim', claim }) as Promise<ClaimConflict | undefined>;
  }

  async getCertificate(idCertificato: string): Promise<CertificateRecord | undefined> {
    const row = this.stmt.getCertificate.get(idCertificato);
    return row ? certificateFromRow(row) : undefined;
  }

  async findCertificates(query: CertificateQuery): Promise<CertificateRecord[]> {
    return this.stmt.findCertificates
      .all(query.medicoCf, query.lavoratoreCf, query.kind, query.fromDay, query.toDay)
      .map(certificateFromRow);
  }

  async getRectificationOf(idCertificato: string): Promise<CertificateRecord | undefined> {
    const row = this.stmt.getRectificationOf.get(idCertificato);
    return row ? certificateFromRow(row) : undefined;
  }

  async certificatesOfWorker(lavoratoreCf: string, limit: number): Promise<CertificateRecord[]> {
    return this.stmt.certificatesOfWorker.all(lavoratoreCf, limit).map(certificateFromRow);
  }

  async ricoveriOfWorker(lavoratoreCf: string, limit: number): Promise<RicoveroRecord[]> {
    return this.stmt.ricoveriOfWorker.all(lavoratoreCf, limit).map(ricoveroFromRow);
  }

  async certificatesForEmployer(employerCf: string, dal: string, al: string, limit: number): Promise<CertificateRecord[]> {
    return this.stmt.certificatesForEmployer.all({ employer: employerCf, dal, al, limit }).map(certificateFromRow);
  }

  async ricoveriForEmployer(employerCf: string, dal: string, al: string, limit: number): Promise<RicoveroRecord[]> {
    return this.stmt.ricoveriForEmployer.all({ employer: employerCf, dal, al, limit }).map(ricoveroFromRow);
  }

  cancelCertificate(idCertificato: string, idAnnullamento: string, dataAnnullamento: string, by: JournalStamp): Promise<CancelOutcome> {
    return this.writer.send({ op: 'cancelCertificate', id: idCertificato, idAnnullamento, at: dataAnnullamento, by }) as Promise<CancelOutcome>;
  }

  rectifyCertificate(originalId: string, rectification: CertificateRecord, by: JournalStamp): Promise<RectifyOutcome> {
    return this.writer.send({ op: 'rectifyCertificate', originalId, record: rectification, by }) as Promise<RectifyOutcome>;
  }

  insertRicovero(record: RicoveroRecord, by: JournalStamp, claim?: IdempotencyClaim): Promise<ClaimConflict | undefined> {
    return this.writer.send(claim ? { op: 'insertRicovero', record, by, claim } : { op: 'insertRicovero', record, by }) as Promise<ClaimConflict | undefined>;
  }

  async getRicovero(idInizioRicovero: string): Promise<RicoveroRecord | undefined> {
    const row = this.stmt.getRicovero.get(idInizioRicovero);
    return row ? ricoveroFromRow(row) : undefined;
  }

  cancelRicovero(idInizioRicovero: string, idAnnullamento: string, dataAnnullamento: string, by: JournalStamp): Promise<CancelRicoveroOutcome> {
    return this.writer.send({ op: 'cancelRicovero', id: idInizioRicovero, idAnnullamento, at: dataAnnullamento, by }) as Promise<CancelRicoveroOutcome>;
  }

  insertDischarge(record: CertificateRecord, by: JournalStamp, claim?: IdempotencyClaim): Promise<DischargeOutcome | ClaimConflict> {
    return this.writer.send(claim ? { op: 'insertDischarge', record, by, claim } : { op: 'insertDischarge', record, by }) as Promise<DischargeOutcome | ClaimConflict>;
  }

  appendJournal(entries: readonly JournalEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    return this.writer.send({ op: 'appendJournal', entries }) as Promise<void>;
  }

  private sandboxReads: SandboxReads | undefined;

  recordSandboxExchange(exchange: SandboxExchange, keep: number): Promise<void> {
    return this.writer.send({ op: 'sandboxExchange', exchange, keep }) as Promise<void>;
  }

  async readSandboxExchanges(username: string): Promise<SandboxExchange[]> {
    return (this.sandboxReads ??= new SandboxReads(this.db)).exchanges(username);
  }

  async readConformance(username: string): Promise<ConformanceCount[]> {
    return (this.sandboxReads ??= new SandboxReads(this.db)).conformance(username);
  }

  resetSandbox(username: string, what: 'conformita' | 'richieste'): Promise<void> {
    return this.writer.send({ op: 'sandboxReset', username, what }) as Promise<void>;
  }

  async *readJournal(query: JournalQuery): AsyncIterable<JournalEntry> {
    const rows =
      'username' in query
        ? this.stmt.journalByUser.iterate({ user: query.username })
        : 'person' in query
          ? this.stmt.journalByPerson.iterate({ cf: query.person })
          : this.stmt.journalBySubject.iterate({ id: query.subjectId, kind: query.subjectKind });
    for (const row of rows) yield journalFromRow(row);
  }

  async countCertificates(): Promise<number> {
    return this.stmt.countCertificates.get()!.n;
  }

  findPerson(codiceFiscale: string): Promise<Person | undefined> {
    return this.persons.get(codiceFiscale, this.loadPerson);
  }

  private readonly loadPerson = (codiceFiscale: string): Promise<Person | undefined> => Promise.resolve(this.readPerson(codiceFiscale));

  private readPerson(codiceFiscale: string): Person | undefined {
    const row = this.stmt.findPerson.get(codiceFiscale);
    return row ? personFromRow(row) : undefined;
  }

  async putPersons(persons: Iterable<Person>): Promise<number> {
    this.persons.clear();
    // Batches keep one huge import from holding a single transaction open.
    let written = 0;
    let batch: Person[] = [];
    const flush = this.db.transaction((rows: Person[]) => {
      for (const p of rows) this.stmt.putPerson.run(p);
    });
    for (const person of persons) {
      // Answers echo these names: one outside the contract's form would make a receipt invalid.
      const problem = personNameProblem(person);
      if (problem !== undefined) throw new InvalidPersonError(`person not stored: ${problem}`);
      batch.push(person);
      if (batch.length === 10_000) {
        flush(batch);
        written += batch.length;
        batch = [];
      }
    }
    if (batch.length > 0) flush(batch);
    return written + batch.length;
  }

  async countPersons(): Promise<number> {
    return this.stmt.countPersons.get()!.n;
  }

  private employmentReads: EmploymentReads | undefined;

  private get employments(): EmploymentReads {
    return (this.employmentReads ??= new EmploymentReads(this.db));
  }

  async employersOf(workerCf: string, from: string, to: string): Promise<Employment[]> {
    return this.employments.employersOf(workerCf, from, to);
  }

  async workersOf(employerCf: string, from: string, to: string): Promise<Employment[]> {
    return this.employments.workersOf(employerCf, from, to);
  }

  async employs(employerCf: string, workerCf: string, from: string, to: string): Promise<boolean> {
    return this.employments.employs(employerCf, workerCf, from, to);
  }

  putEmployments(employments: readonly Employment[]): Promise<number> {
    if (employments.length === 0) return Promise.resolve(0);
    return this.writer.send({ op: 'putEmployments', employments }) as Promise<number>;
  }

  async countEmployments(): Promise<number> {
    return this.employments.count();
  }

  writeFailure(): Error | undefined {
    return this.writer.failure;
  }

  pendingWrites(): number {
    return this.writer.backlog;
  }

  /** Waits for the writes sent (they are committed by then), then closes the file. */
  async close(): Promise<void> {
    await this.writer.close();
    if (this.db.open) this.db.close();
  }
}
