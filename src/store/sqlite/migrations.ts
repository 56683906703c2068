/**
 * Versioned schema migrations. Each runs once, in its own transaction, and
 * is recorded in schema_migrations; never edit a released migration, add one.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'users, registry of assisted persons, certificates',
    sql: `
      CREATE TABLE users (
        username TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('medico', 'regione', 'operatore')),
        password_hash TEXT NOT NULL,
        pincode_hash TEXT,
        codice_regione TEXT,
        codice_asl TEXT,
        codice_struttura TEXT
      ) STRICT;
      CREATE TABLE assistiti (
        codice_fiscale TEXT PRIMARY KEY,
        cognome TEXT NOT NULL,
        nome TEXT NOT NULL,
        sesso TEXT NOT NULL CHECK (sesso IN ('M', 'F')),
        data_nascita TEXT NOT NULL,
        comune_nascita TEXT NOT NULL,
        provincia_nascita TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE certificati (
        id_certificato TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('malattia', 'dimissione')),
        medico_cf TEXT NOT NULL,
        lavoratore_cf TEXT NOT NULL,
        data_ricezione TEXT NOT NULL,
        sent_by TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('attivo', 'annullato', 'rettificato')),
        data_rilascio TEXT NOT NULL,
        data_inizio TEXT NOT NULL,
        data_fine TEXT NOT NULL,
        document TEXT NOT NULL
      ) STRICT;
      CREATE INDEX certificati_by_medico_lavoratore ON certificati (medico_cf, lavoratore_cf, data_rilascio);
    `,
  },
  {
    version: 2,
    description: 'certificate lifecycle: rectification, cancellation, admissions and discharges',
    sql: `
      ALTER TABLE certificati ADD COLUMN rettifica_di TEXT REFERENCES certificati (id_certificato);
      ALTER TABLE certificati ADD COLUMN id_inizio_ricovero TEXT;
      ALTER TABLE certificati ADD COLUMN id_annullamento TEXT;
      ALTER TABLE certificati ADD COLUMN data_annullamento TEXT;
      CREATE UNIQUE INDEX certificati_rettifica_unica ON certificati (rettifica_di) WHERE rettifica_di IS NOT NULL;
      CREATE INDEX certificati_by_ricovero ON certificati (id_inizio_ricovero) WHERE id_inizio_ricovero IS NOT NULL;
      CREATE TABLE ricoveri (
        id_inizio_ricovero TEXT PRIMARY KEY,
        lavoratore_cf TEXT NOT NULL,
        operatore_cf TEXT NOT NULL,
        codice_regione TEXT NOT NULL,
        codice_asl TEXT NOT NULL,
        codice_struttura TEXT,
        sent_by TEXT NOT NULL,
        data_ricezione TEXT NOT NULL,
        data_ricovero TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('attivo', 'annullato')),
        id_annullamento TEXT,
        data_annullamento TEXT,
        document TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX annullamenti_certificati ON certificati (id_annullamento) WHERE id_annullamento IS NOT NULL;
      CREATE UNIQUE INDEX annullamenti_ricoveri ON ricoveri (id_annullamento) WHERE id_annullamento IS NOT NULL;
    `,
  },
  {
    version: 3,
    description: 'access journal: who read or changed which certificate, admission or person (append-only)',
    // A record's creation is its own journal entry: the row already holds who sent it and when
    // (sent_by, data_ricezione) and now also from which address, and those columns can never
    // change (triggers). A separate journal row per InviaMalattia cost ~9% of the cluster's
    // throughput, measured with bench --ab: the single writer's every commit waits for it.
    // Every other access (reads, cancellations, rectified originals, discharges of an admission,
    // refused look-ups, failed logins) is a row of access_journal, indexed by subject and by user.
    // The triggers make both append-only for every connection, the gateway's included; they do
    // not stop the files' owner, who can also delete the files (see docs/security.md).
    sql: `
      ALTER TABLE certificati ADD COLUMN client_address TEXT;
      ALTER TABLE ricoveri ADD COLUMN client_address TEXT;
      CREATE TABLE access_journal (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        username TEXT NOT NULL,
        client_address TEXT NOT NULL,
        operation TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN
          ('lettura', 'creazione', 'rettifica', 'annullamento', 'dimissione', 'accesso_negato', 'login_fallito')),
        subject_kind TEXT NOT NULL CHECK (subject_kind IN ('certificato', 'ricovero', 'persona', 'utente')),
        subject_id TEXT NOT NULL,
        detail TEXT
      ) STRICT;
      CREATE INDEX access_journal_by_subject ON access_journal (subject_id);
      CREATE INDEX access_journal_by_user ON access_journal (username);
      -- Creations by user: a doctor's own are found through (medico_cf, ...); only the ones a
      -- region sent for a doctor need this partial index.
      CREATE INDEX certificati_by_other_sender ON certificati (sent_by) WHERE sent_by <> medico_cf;
      CREATE INDEX ricoveri_by_sender ON ricoveri (sent_by);
      CREATE TRIGGER access_journal_no_update BEFORE UPDATE ON access_journal
        BEGIN SELECT RAISE(ABORT, 'access_journal is append-only'); END;
      CREATE TRIGGER access_journal_no_delete BEFORE DELETE ON access_journal
        BEGIN SELECT RAISE(ABORT, 'access_journal is append-only'); END;
      CREATE TRIGGER certificati_creation_fixed
        BEFORE UPDATE OF id_certificato, kind, medico_cf, lavoratore_cf, sent_by, data_ricezione, client_address, rettifica_di ON certificati
        BEGIN SELECT RAISE(ABORT, 'a certificate''s creation is part of the access journal: append-only'); END;
      CREATE TRIGGER certificati_no_delete BEFORE DELETE ON certificati
        BEGIN SELECT RAISE(ABORT, 'a certificate''s creation is part of the access journal: append-only'); END;
      CREATE TRIGGER ricoveri_creation_fixed
        BEFORE UPDATE OF id_inizio_ricovero, lavoratore_cf, operatore_cf, sent_by, data_ricezione, client_address ON ricoveri
        BEGIN SELECT RAISE(ABORT, 'an admission''s creation is part of the access journal: append-only'); END;
      CREATE TRIGGER ricoveri_no_delete BEFORE DELETE ON ricoveri
        BEGIN SELECT RAISE(ABORT, 'an admission''s creation is part of the access journal: append-only'); END;
    `,
  },
  {
    version: 4,
    description: 'users epoch: bumped by every change to users, so each process drops its cached users at once',
    sql: `
      CREATE TABLE users_epoch (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        epoch INTEGER NOT NULL
      ) STRICT;
      INSERT INTO users_epoch (id, epoch) VALUES (1, 0);
      CREATE TRIGGER users_epoch_on_insert AFTER INSERT ON users
        BEGIN UPDATE users_epoch SET epoch = epoch + 1 WHERE id = 1; END;
      CREATE TRIGGER users_epoch_on_update AFTER UPDATE ON users
        BEGIN UPDATE users_epoch SET epoch = epoch + 1 WHERE id = 1; END;
      CREATE TRIGGER users_epoch_on_delete AFTER DELETE ON users
        BEGIN UPDATE users_epoch SET epoch = epoch + 1 WHERE id = 1; END;
    `,
  },
  {
    version: 5,
    description: 'idempotency: one certificate or admission per request resent within the window (hashes only)',
    // One row per certificate or admission created by InviaMalattia, InviaRicovero or
    // InviaDimissione, written in the same transaction as it (src/store/sqlite/idempotency.ts).
    // request_key: SHA-256 of sender, operation and the request's canonical form (never the
    // pincode); message_key: SHA-256 of sender and wsa:MessageID, when one was sent. No payload,
    // no health data. Rows are inserted in time order, so the oldest are the first rowids: the
    // writer purges expired ones from the front, a few at a time, without an index on created_at.
    // No index on the keys either: they are hashes, so every insert would write a random leaf of
    // it; the single writer keeps the index in memory and reads the table back when it opens.
    sql: `
      CREATE TABLE idempotency (
        id INTEGER PRIMARY KEY,
        request_key TEXT NOT NULL,
        message_key TEXT,
        created_at INTEGER NOT NULL,
        subject_kind TEXT NOT NULL CHECK (subject_kind IN ('certificato', 'ricovero')),
        subject_id TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 6,
    description: 'paper fallback: the maintenance window a certificate was issued on paper in, when entered late after it',
    // A column rather than a flag in the JSON document: the document is what the doctor
    // certified; this is how it reached the service, readable (and indexable) without
    // parsing every document. Fixed at creation like the rest of the creation entry.
    sql: `
      ALTER TABLE certificati ADD COLUMN paper_window TEXT;
      CREATE TRIGGER certificati_paper_window_fixed BEFORE UPDATE OF paper_window ON certificati
        BEGIN SELECT RAISE(ABORT, 'a certificate''s origin is fixed at creation'); END;
    `,
  },
  {
    version: 7,
    description: 'sandbox: per-user time travel and fault injection, and an epoch that tells every process a setting changed',
    // One row per user in each table (the primary key): bounded by the users. Synthetic data only
    // (the sandbox is off in production). Any change bumps sandbox_epoch, which each process
    // re-reads at most every 25 ms to drop its cached settings (src/store/sqlite/sandboxStore.ts).
    sql: `
      CREATE TABLE sandbox_clock (
        username TEXT PRIMARY KEY,
        offset_ms INTEGER NOT NULL,
        set_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE sandbox_faults (
        username TEXT PRIMARY KEY,
        outcome TEXT NOT NULL CHECK (outcome IN ('non_disponibile', 'sovraccarico', 'ritardo', 'manutenzione', 'errore')),
        operation TEXT,
        remaining INTEGER NOT NULL CHECK (remaining >= 0),
        total INTEGER NOT NULL CHECK (total > 0),
        retry_after_s INTEGER,
        delay_ms INTEGER,
        tipo_errore TEXT,
        set_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE sandbox_epoch (id INTEGER PRIMARY KEY CHECK (id = 1), epoch INTEGER NOT NULL) STRICT;
      INSERT INTO sandbox_epoch (id, epoch) VALUES (1, 0);
      CREATE TRIGGER sandbox_clock_ins AFTER INSERT ON sandbox_clock BEGIN UPDATE sandbox_epoch SET epoch = epoch + 1 WHERE id = 1; END;
      CREATE TRIGGER sandbox_clock_upd AFTER UPDATE ON sandbox_clock BEGIN UPDATE sandbox_epoch SET epoch = epoch + 1 WHERE id = 1; END;
      CREATE TRIGGER sandbox_clock_del AFTER DELETE ON sandbox_clock BEGIN UPDATE sandbox_epoch SET epoch = epoch + 1 WHERE id = 1; END;
      CREATE TRIGGER sandbox_faults_ins AFTER INSERT ON sandbox_faults BEGIN UPDATE sandbox_epoch SET epoch = epoch + 1 WHERE id = 1; END;
      CREATE TRIGGER sandbox_faults_upd AFTER UPDATE ON sandbox_faults BEGIN UPDATE sandbox_epoch SET epoch = epoch + 1 WHERE id = 1; END;
      CREATE TRIGGER sandbox_faults_del AFTER DELETE ON sandbox_faults BEGIN UPDATE sandbox_epoch SET epoch = epoch + 1 WHERE id = 1; END;
    `,
  },
  {
    version: 8,
    description: 'sandbox: request inspector and per-user conformance report',
    // Only written when the sandbox is on (synthetic data). Bodies are stored masked (pincode,
    // passwords) and cut to SAC_SANDBOX_INSPECTOR_BODY_BYTES; each user keeps only the newest
    // SAC_SANDBOX_INSPECTOR_ENTRIES exchanges (the writer deletes older ones in the same write).
    // The report's keys come from fixed sets (operations, the catalog, the warnings): bounded.
    sql: `
      CREATE TABLE sandbox_exchange (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL,
        at TEXT NOT NULL,
        operation TEXT NOT NULL,
        status INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        codes TEXT NOT NULL,
        warnings TEXT NOT NULL,
        duration_ms REAL NOT NULL,
        request_headers TEXT NOT NULL,
        request_body TEXT NOT NULL,
        request_truncated INTEGER NOT NULL,
        response_body TEXT NOT NULL,
        response_truncated INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX sandbox_exchange_by_user ON sandbox_exchange (username, id);
      CREATE TABLE sandbox_conformance (
        username TEXT NOT NULL,
        category TEXT NOT NULL CHECK (category IN ('operazione', 'diagnostica', 'avviso')),
        key TEXT NOT NULL,
        outcome TEXT NOT NULL,
        count INTEGER NOT NULL,
        first_at TEXT NOT NULL,
        last_at TEXT NOT NULL,
        PRIMARY KEY (username, category, key, outcome)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 9,
    description: 'employers and workers: two new kinds of user, and who employs whom (rapporti di lavoro)',
    // SQLite cannot change a CHECK constraint: users is rebuilt with the two new kinds (same
    // columns, same rows), and migration 4's epoch triggers, dropped with the old table, are made
    // again; the epoch is bumped so every process drops its cached users. Nothing references users.
    // rapporti_lavoro: one row per employment, keyed by worker, employer and first day (a re-import
    // of the same employment replaces it, e.g. to set its end). The key serves the worker's
    // look-ups and the employer-worker check; rapporti_by_datore the employer's look-ups.
    sql: `
      CREATE TABLE users_v9 (
        username TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('medico', 'regione', 'operatore', 'datore', 'lavoratore')),
        password_hash TEXT NOT NULL,
        pincode_hash TEXT,
        codice_regione TEXT,
        codice_asl TEXT,
        codice_struttura TEXT
      ) STRICT;
      INSERT INTO users_v9 (username, kind, password_hash, pincode_hash, codice_regione, codice_asl, codice_struttura)
        SELECT username, kind, password_hash, pincode_hash, codice_regione, codice_asl, codice_struttura FROM users;
      DROP TABLE users;
      ALTER TABLE users_v9 RENAME TO users;
      CREATE TRIGGER users_epoch_on_insert AFTER INSERT ON users
        BEGIN UPDATE users_epoch SET epoch = epoch + 1 WHERE id = 1; END;
      CREATE TRIGGER users_epoch_on_update AFTER UPDATE ON users
        BEGIN UPDATE users_epoch SET epoch = epoch + 1 WHERE id = 1; END;
      CREATE TRIGGER users_epoch_on_delete AFTER DELETE ON users
        BEGIN UPDATE users_epoch SET epoch = epoch + 1 WHERE id = 1; END;
      UPDATE users_epoch SET epoch = epoch + 1 WHERE id = 1;
      CREATE TABLE rapporti_lavoro (
        lavoratore_cf TEXT NOT NULL,
        datore_cf TEXT NOT NULL,
        data_inizio TEXT NOT NULL,
        data_fine TEXT CHECK (data_fine IS NULL OR data_fine >= data_inizio),
        ragione_sociale TEXT NOT NULL,
        matricola_inps TEXT NOT NULL,
        cod_sede TEXT NOT NULL,
        PRIMARY KEY (lavoratore_cf, datore_cf, data_inizio)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX rapporti_by_datore ON rapporti_lavoro (datore_cf, lavoratore_cf, data_inizio);
    `,
  },
  {
    version: 10,
    description: 'the INPS side reads by worker: certificates and admissions of one person',
    // A worker's documents and an employer's export read certificates by worker. Instead of a
    // second index on certificati (one more B-tree for the single writer on every InviaMalattia),
    // migration 1's index is rebuilt with the worker first: RicercaMalattia names both the doctor
    // and the worker, so it is served as before, and the worker's look-ups use its prefix. The
    // cost moves to the operator's journal by doctor, which now scans certificati (an occasional
    // audit). Admissions are rare writes: they get an index of their own.
    sql: `
      DROP INDEX certificati_by_medico_lavoratore;
      CREATE INDEX certificati_by_lavoratore_medico ON certificati (lavoratore_cf, medico_cf, data_rilascio);
      CREATE INDEX ricoveri_by_lavoratore ON ricoveri (lavoratore_cf);
    `,
  },
];

/**
 * Apply what is missing, all in one IMMEDIATE transaction: the list of applied
 * versions is read under the write lock, so two processes opening a new data
 * directory at once cannot both run migration 1.
 */
export function migrate(db: Database.Database): number[] {
  return db.transaction(() => migrateLocked(db)).immediate();
}

function migrateLocked(db: Database.Database): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`);
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
  );
  const known = Math.max(0, ...MIGRATIONS.map((m) => m.version));
  const newest = Math.max(0, ...applied);
  if (newest > known) {
    throw new Error(`the store was written by a newer version (schema ${newest}, this build knows ${known})`);
  }
  const ran: number[] = [];
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    db.exec(migration.sql);
    db.prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)').run(
      migration.version,
      migration.description,
      new Date().toISOString(),
    );
    ran.push(migration.version);
  }
  return ran;
}
