/**
 * The embedded adapter: one SQLite file in WAL mode. synchronous=FULL makes
 * every commit fsync the WAL, so a certificate is on disk before the
 * acknowledgement that names its PUC is written to the socket.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  DuplicateKeyError,
  type CertificateRecord,
  type CertificateStore,
  type Person,
  type PersonRegistry,
  type UserRecord,
} from '../port.js';
import { migrate } from './migrations.js';

export const STORE_FILE = 'sac-gateway.sqlite';

export function openDatabase(dataDir: string): Database.Database {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new Database(path.join(dataDir, STORE_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

interface UserRow {
  username: string;
  kind: UserRecord['kind'];
  password_hash: string;
  pincode_hash: string | null;
  codice_regione: string | null;
  codice_asl: string | null;
  codice_struttura: string | null;
}

interface CertificateRow {
  id_certificato: string;
  kind: CertificateRecord['kind'];
  medico_cf: string;
  lavoratore_cf: string;
  data_ricezione: string;
  sent_by: string;
  state: CertificateRecord['state'];
  document: string;
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Error && 'code' in err && (err as { code: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export class SqliteStore implements CertificateStore, PersonRegistry {
  private readonly db: Database.Database;
  private readonly stmt;

  constructor(db: Database.Database) {
    this.db = db;
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
      insertCertificate: db.prepare(
        `INSERT INTO certificati (id_certificato, kind, medico_cf, lavoratore_cf, data_ricezione, sent_by, state,
           data_rilascio, data_inizio, data_fine, document)
         VALUES (@id_certificato, @kind, @medico_cf, @lavoratore_cf, @data_ricezione, @sent_by, @state,
           @data_rilascio, @data_inizio, @data_fine, @document)`,
      ),
      getCertificate: db.prepare<[string], CertificateRow>('SELECT * FROM certificati WHERE id_certificato = ?'),
      countCertificates: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM certificati'),
      findPerson: db.prepare<[string], Record<string, string>>('SELECT * FROM assistiti WHERE codice_fiscale = ?'),
      putPerson: db.prepare(
        `INSERT OR REPLACE INTO assistiti (codice_fiscale, cognome, nome, sesso, data_nascita, comune_nascita, provincia_nascita)
         VALUES (@codiceFiscale, @cognome, @nome, @sesso, @dataNascita, @comuneNascita, @provinciaNascita)`,
      ),
      countPersons: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM assistiti'),
    };
  }

  static open(dataDir: string): SqliteStore {
    return new SqliteStore(openDatabase(dataDir));
  }

  findUser(username: string): UserRecord | undefined {
    const row = this.stmt.findUser.get(username);
    if (!row) return undefined;
    return {
      username: row.username,
      kind: row.kind,
      passwordHash: row.password_hash,
      pincodeHash: row.pincode_hash,
      codiceRegione: row.codice_regione,
      codiceAsl: row.codice_asl,
      codiceStruttura: row.codice_struttura,
    };
  }

  putUser(user: UserRecord): void {
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

  countUsers(): number {
    return this.stmt.countUsers.get()!.n;
  }

  insertCertificate(record: CertificateRecord): void {
    const m = record.document.malattia;
    try {
      this.stmt.insertCertificate.run({
        id_certificato: record.idCertificato,
        kind: record.kind,
        medico_cf: record.medicoCf,
        lavoratore_cf: record.lavoratoreCf,
        data_ricezione: record.dataRicezione,
        sent_by: record.sentBy,
        state: record.state,
        data_rilascio: m.dataRilascio,
        data_inizio: m.dataInizio,
        data_fine: m.dataFine,
        document: JSON.stringify(record.document),
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new DuplicateKeyError(`idCertificato already used`);
      throw err;
    }
  }

  getCertificate(idCertificato: string): CertificateRecord | undefined {
    const row = this.stmt.getCertificate.get(idCertificato);
    if (!row) return undefined;
    return {
      idCertificato: row.id_certificato,
      kind: row.kind,
      medicoCf: row.medico_cf,
      lavoratoreCf: row.lavoratore_cf,
      dataRicezione: row.data_ricezione,
      sentBy: row.sent_by,
      state: row.state,
      document: JSON.parse(row.document) as CertificateRecord['document'],
    };
  }

  countCertificates(): number {
    return this.stmt.countCertificates.get()!.n;
  }

  findPerson(codiceFiscale: string): Person | undefined {
    const row = this.stmt.findPerson.get(codiceFiscale);
    if (!row) return undefined;
    return {
      codiceFiscale: row.codice_fiscale!,
      cognome: row.cognome!,
      nome: row.nome!,
      sesso: row.sesso as Person['sesso'],
      dataNascita: row.data_nascita!,
      comuneNascita: row.comune_nascita!,
      provinciaNascita: row.provincia_nascita!,
    };
  }

  putPersons(persons: Iterable<Person>): number {
    // Batches keep one huge import from holding a single transaction open.
    let written = 0;
    let batch: Person[] = [];
    const flush = this.db.transaction((rows: Person[]) => {
      for (const p of rows) this.stmt.putPerson.run(p);
    });
    for (const person of persons) {
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

  countPersons(): number {
    return this.stmt.countPersons.get()!.n;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
