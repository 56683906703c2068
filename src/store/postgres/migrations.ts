/**
 * The PostgreSQL schema, versioned like SQLite's (src/store/sqlite/
 * migrations.ts) but numbered on its own: version 1 is the SQLite schema as
 * of its migration 10, with the same tables, keys and constraints. Each
 * migration runs once, recorded in schema_migrations; all of them are
 * applied in one transaction holding an advisory lock, so two nodes starting
 * at once do not both migrate (the second waits, then finds them applied).
 * Never edit a released migration: add one.
 */
import type pg from 'pg';

export interface PgMigration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/** The advisory lock's key (any fixed 64-bit number; "SACMIGR" in ASCII). */
export const MIGRATION_LOCK_KEY = '23491298856896850';

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    description: 'the store as SQLite has it at its migration 10: users, registry, certificates, admissions, journal, idempotency, sandbox, employments',
    // Every text column compares and sorts byte-wise (COLLATE "C", as SQLite does), whatever the
    // database's locale: dates and instants are compared as text, lists are ordered by them.
    // A record's creation is its own journal entry (as in SQLite's migration 3): the columns that
    // say who made it, when and from where cannot change and the row cannot go (triggers; TRUNCATE
    // too). The claim keys are unique: two racing twins on two nodes meet on the index, one waits
    // for the other's commit and then replays its receipt (src/store/postgres/claims.ts).
    sql: `
      CREATE DOMAIN ctext AS text COLLATE "C";

      CREATE TABLE users (
        username ctext PRIMARY KEY,
        kind ctext NOT NULL CHECK (kind IN ('medico', 'regione', 'operatore', 'datore', 'lavoratore')),
        password_hash ctext NOT NULL,
        pincode_hash ctext,
        codice_regione ctext,
        codice_asl ctext,
        codice_struttura ctext
      );
      CREATE TABLE users_epoch (id integer PRIMARY KEY CHECK (id = 1), epoch bigint NOT NULL);
      INSERT INTO users_epoch (id, epoch) VALUES (1, 0);
      CREATE FUNCTION users_epoch_bump() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN UPDATE users_epoch SET epoch = epoch + 1 WHERE id = 1; RETURN NULL; END $$;
      CREATE TRIGGER users_epoch_on_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
        FOR EACH STATEMENT EXECUTE FUNCTION users_epoch_bump();

      CREATE TABLE assistiti (
        codice_fiscale ctext PRIMARY KEY,
        cognome ctext NOT NULL,
        nome ctext NOT NULL,
        sesso ctext NOT NULL CHECK (sesso IN ('M', 'F')),
        data_nascita ctext NOT NULL,
        comune_nascita ctext NOT NULL,
        provincia_nascita ctext NOT NULL
      );

      CREATE TABLE certificati (
        id_certificato ctext PRIMARY KEY,
        kind ctext NOT NULL CHECK (kind IN ('malattia', 'dimissione')),
        medico_cf ctext NOT NULL,
        lavoratore_cf ctext NOT NULL,
        data_ricezione ctext NOT NULL,
        sent_by ctext NOT NULL,
        state ctext NOT NULL CHECK (state IN ('attivo', 'annullato', 'rettificato')),
        data_rilascio ctext NOT NULL,
        data_inizio ctext NOT NULL,
        data_fine ctext NOT NULL,
        document ctext NOT NULL,
        rettifica_di ctext REFERENCES certificati (id_certificato),
        id_inizio_ricovero ctext,
        id_annullamento ctext,
        data_annullamento ctext,
        client_address ctext,
        paper_window ctext
      );
      CREATE UNIQUE INDEX certificati_rettifica_unica ON certificati (rettifica_di) WHERE rettifica_di IS NOT NULL;
      CREATE INDEX certificati_by_ricovero ON certificati (id_inizio_ricovero) WHERE id_inizio_ricovero IS NOT NULL;
      CREATE UNIQUE INDEX annullamenti_certificati ON certificati (id_annullamento) WHERE id_annullamento IS NOT NULL;
      CREATE INDEX certificati_by_lavoratore_medico ON certificati (lavoratore_cf, medico_cf, data_rilascio);
      CREATE INDEX certificati_by_other_sender ON certificati (sent_by) WHERE sent_by <> medico_cf;

      CREATE TABLE ricoveri (
        id_inizio_ricovero ctext PRIMARY KEY,
        lavoratore_cf ctext NOT NULL,
        operatore_cf ctext NOT NULL,
        codice_regione ctext NOT NULL,
        codice_asl ctext NOT NULL,
        codice_struttura ctext,
        sent_by ctext NOT NULL,
        data_ricezione ctext NOT NULL,
        data_ricovero ctext NOT NULL,
        state ctext NOT NULL CHECK (state IN ('attivo', 'annullato')),
        id_annullamento ctext,
        data_annullamento ctext,
        document ctext NOT NULL,
        client_address ctext
      );
      CREATE UNIQUE INDEX annullamenti_ricoveri ON ricoveri (id_annullamento) WHERE id_annullamento IS NOT NULL;
      CREATE INDEX ricoveri_by_sender ON ricoveri (sent_by);
      CREATE INDEX ricoveri_by_lavoratore ON ricoveri (lavoratore_cf);

      CREATE TABLE access_journal (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at ctext NOT NULL,
        username ctext NOT NULL,
        client_address ctext NOT NULL,
        operation ctext NOT NULL,
        action ctext NOT NULL CHECK (action IN
          ('lettura', 'creazione', 'rettifica', 'annullamento', 'dimissione', 'accesso_negato', 'login_fallito')),
        subject_kind ctext NOT NULL CHECK (subject_kind IN ('certificato', 'ricovero', 'persona', 'utente')),
        subject_id ctext NOT NULL,
        detail ctext
      );
      CREATE INDEX access_journal_by_subject ON access_journal (subject_id);
      CREATE INDEX access_journal_by_user ON access_journal (username);

      CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation'; END $$;
      CREATE TRIGGER access_journal_no_update BEFORE UPDATE OR DELETE ON access_journal
        FOR EACH ROW EXECUTE FUNCTION refuse_change('access_journal is append-only');
      CREATE TRIGGER access_journal_no_truncate BEFORE TRUNCATE ON access_journal
        FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('access_journal is append-only');
      CREATE TRIGGER certificati_creation_fixed BEFORE UPDATE ON certificati FOR EACH ROW
        WHEN (OLD.id_certificato IS DISTINCT FROM NEW.id_certificato OR OLD.kind IS DISTINCT FROM NEW.kind
          OR OLD.medico_cf IS DISTINCT FROM NEW.medico_cf OR OLD.lavoratore_cf IS DISTINCT FROM NEW.lavoratore_cf
          OR OLD.sent_by IS DISTINCT FROM NEW.sent_by OR OLD.data_ricezione IS DISTINCT FROM NEW.data_ricezione
          OR OLD.client_address IS DISTINCT FROM NEW.client_address OR OLD.rettifica_di IS DISTINCT FROM NEW.rettifica_di)
        EXECUTE FUNCTION refuse_change('a certificate''s creation is part of the access journal: append-only');
      CREATE TRIGGER certificati_paper_window_fixed BEFORE UPDATE ON certificati FOR EACH ROW
        WHEN (OLD.paper_window IS DISTINCT FROM NEW.paper_window)
        EXECUTE FUNCTION refuse_change('a certificate''s origin is fixed at creation');
      CREATE TRIGGER certificati_no_delete BEFORE DELETE ON certificati
        FOR EACH ROW EXECUTE FUNCTION refuse_change('a certificate''s creation is part of the access journal: append-only');
      CREATE TRIGGER certificati_no_truncate BEFORE TRUNCATE ON certificati
        FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('a certificate''s creation is part of the access journal: append-only');
      CREATE TRIGGER ricoveri_creation_fixed BEFORE UPDATE ON ricoveri FOR EACH ROW
        WHEN (OLD.id_inizio_ricovero IS DISTINCT FROM NEW.id_inizio_ricovero OR OLD.lavoratore_cf IS DISTINCT FROM NEW.lavoratore_cf
          OR OLD.operatore_cf IS DISTINCT FROM NEW.operatore_cf OR OLD.sent_by IS DISTINCT FROM NEW.sent_by
          OR OLD.data_ricezione IS DISTINCT FROM NEW.data_ricezione OR OLD.client_address IS DISTINCT FROM NEW.client_address)
        EXECUTE FUNCTION refuse_change('an admission''s creation is part of the access journal: append-only');
      CREATE TRIGGER ricoveri_no_delete BEFORE DELETE ON ricoveri
        FOR EACH ROW EXECUTE FUNCTION refuse_change('an admission''s creation is part of the access journal: append-only');
      CREATE TRIGGER ricoveri_no_truncate BEFORE TRUNCATE ON ricoveri
        FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('an admission''s creation is part of the access journal: append-only');

      CREATE TABLE idempotency (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        request_key ctext NOT NULL,
        message_key ctext,
        created_at bigint NOT NULL,
        subject_kind ctext NOT NULL CHECK (subject_kind IN ('certificato', 'ricovero')),
        subject_id ctext NOT NULL
      );
      CREATE UNIQUE INDEX idempotency_request ON idempotency (request_key);
      CREATE UNIQUE INDEX idempotency_message ON idempotency (message_key) WHERE message_key IS NOT NULL;

      CREATE TABLE sandbox_clock (username ctext PRIMARY KEY, offset_ms bigint NOT NULL, set_at bigint NOT NULL);
      CREATE TABLE sandbox_faults (
        username ctext PRIMARY KEY,
        outcome ctext NOT NULL CHECK (outcome IN ('non_disponibile', 'sovraccarico', 'ritardo', 'manutenzione', 'errore')),
        operation ctext,
        remaining integer NOT NULL CHECK (remaining >= 0),
        total integer NOT NULL CHECK (total > 0),
        retry_after_s integer,
        delay_ms integer,
        tipo_errore ctext,
        set_at bigint NOT NULL
      );
      CREATE TABLE sandbox_epoch (id integer PRIMARY KEY CHECK (id = 1), epoch bigint NOT NULL);
      INSERT INTO sandbox_epoch (id, epoch) VALUES (1, 0);
      CREATE FUNCTION sandbox_epoch_bump() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN UPDATE sandbox_epoch SET epoch = epoch + 1 WHERE id = 1; RETURN NULL; END $$;
      CREATE TRIGGER sandbox_clock_change AFTER INSERT OR UPDATE OR DELETE ON sandbox_clock
        FOR EACH STATEMENT EXECUTE FUNCTION sandbox_epoch_bump();
      CREATE TRIGGER sandbox_faults_change AFTER INSERT OR UPDATE OR DELETE ON sandbox_faults
        FOR EACH STATEMENT EXECUTE FUNCTION sandbox_epoch_bump();
      CREATE TABLE sandbox_exchange (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        username ctext NOT NULL,
        at ctext NOT NULL,
        operation ctext NOT NULL,
        status integer NOT NULL,
        outcome ctext NOT NULL,
        codes ctext NOT NULL,
        warnings ctext NOT NULL,
        duration_ms double precision NOT NULL,
        request_headers ctext NOT NULL,
        request_body ctext NOT NULL,
        request_truncated boolean NOT NULL,
        response_body ctext NOT NULL,
        response_truncated boolean NOT NULL
      );
      CREATE INDEX sandbox_exchange_by_user ON sandbox_exchange (username, id);
      CREATE TABLE sandbox_conformance (
        username ctext NOT NULL,
        category ctext NOT NULL CHECK (category IN ('operazione', 'diagnostica', 'avviso')),
        key ctext NOT NULL,
        outcome ctext NOT NULL,
        count bigint NOT NULL,
        first_at ctext NOT NULL,
        last_at ctext NOT NULL,
        PRIMARY KEY (username, category, key, outcome)
      );

      CREATE TABLE rapporti_lavoro (
        lavoratore_cf ctext NOT NULL,
        datore_cf ctext NOT NULL,
        data_inizio ctext NOT NULL,
        data_fine ctext CHECK (data_fine IS NULL OR data_fine >= data_inizio),
        ragione_sociale ctext NOT NULL,
        matricola_inps ctext NOT NULL,
        cod_sede ctext NOT NULL,
        PRIMARY KEY (lavoratore_cf, datore_cf, data_inizio)
      );
      CREATE INDEX rapporti_by_datore ON rapporti_lavoro (datore_cf, lavoratore_cf, data_inizio);
    `,
  },
];

/**
 * Apply what is missing, in one transaction under the advisory lock (taken
 * for the transaction: released by its commit or rollback, also if the
 * connection dies). Returns the versions applied here.
 */
export async function migrate(client: pg.ClientBase): Promise<number[]> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      description text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const known = Math.max(0, ...PG_MIGRATIONS.map((m) => m.version));
    const newest = Math.max(0, ...applied);
    if (newest > known) {
      throw new Error(`the store was written by a newer version (schema ${newest}, this build knows ${known})`);
    }
    const ran: number[] = [];
    for (const migration of PG_MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, description) VALUES ($1, $2)', [migration.version, migration.description]);
      ran.push(migration.version);
    }
    await client.query('COMMIT');
    return ran;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
