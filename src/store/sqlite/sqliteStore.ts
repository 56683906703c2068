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
  certificateDays,
  type CancelOutcome,
  type CancelRicoveroOutcome,
  type CertificateQuery,
  type CertificateRecord,
  type CertificateStore,
  type DischargeOutcome,
  type Person,
  type PersonRegistry,
  type RectifyOutcome,
  type RicoveroRecord,
  type UserRecord,
} from '../port.js';
import { GroupCommitter } from './groupCommit.js';
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
  rettifica_di: string | null;
  id_inizio_ricovero: string | null;
  id_annullamento: string | null;
  data_annullamento: string | null;
}

interface RicoveroRow {
  id_inizio_ricovero: string;
  lavoratore_cf: string;
  operatore_cf: string;
  codice_regione: string;
  codice_asl: string;
  codice_struttura: string | null;
  sent_by: string;
  data_ricezione: string;
  data_ricovero: string;
  state: RicoveroRecord['state'];
  id_annullamento: string | null;
  data_annullamento: string | null;
  document: string;
}

function isUniqueViolation(err: unknown): boolean {
  const code = err instanceof Error && 'code' in err ? (err as { code: string }).code : '';
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function certificateFromRow(row: CertificateRow): CertificateRecord {
  return {
    idCertificato: row.id_certificato,
    kind: row.kind,
    medicoCf: row.medico_cf,
    lavoratoreCf: row.lavoratore_cf,
    dataRicezione: row.data_ricezione,
    sentBy: row.sent_by,
    state: row.state,
    document: JSON.parse(row.document) as CertificateRecord['document'],
    rettificaDi: row.rettifica_di,
    idInizioRicovero: row.id_inizio_ricovero,
    idAnnullamento: row.id_annullamento,
    dataAnnullamento: row.data_annullamento,
  };
}

function certificateParams(record: CertificateRecord) {
  const days = certificateDays(record.document);
  return {
    id_certificato: record.idCertificato,
    kind: record.kind,
    medico_cf: record.medicoCf,
    lavoratore_cf: record.lavoratoreCf,
    data_ricezione: record.dataRicezione,
    sent_by: record.sentBy,
    state: record.state,
    data_rilascio: days.rilascio,
    data_inizio: days.inizio,
    data_fine: days.fine,
    document: JSON.stringify(record.document),
    rettifica_di: record.rettificaDi ?? null,
    id_inizio_ricovero: record.idInizioRicovero ?? null,
  };
}

export class SqliteStore implements CertificateStore, PersonRegistry {
  private readonly db: Database.Database;
  private readonly stmt;
  private readonly group: GroupCommitter;

  constructor(db: Database.Database) {
    this.db = db;
    this.group = new GroupCommitter(db);
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
           data_rilascio, data_inizio, data_fine, document, rettifica_di, id_inizio_ricovero)
         VALUES (@id_certificato, @kind, @medico_cf, @lavoratore_cf, @data_ricezione, @sent_by, @state,
           @data_rilascio, @data_inizio, @data_fine, @document, @rettifica_di, @id_inizio_ricovero)`,
      ),
      getCertificate: db.prepare<[string], CertificateRow>('SELECT * FROM certificati WHERE id_certificato = ?'),
      findCertificates: db.prepare<[string, string, string, string, string], CertificateRow>(
        `SELECT * FROM certificati WHERE medico_cf = ? AND lavoratore_cf = ? AND kind = ?
           AND data_rilascio BETWEEN ? AND ? ORDER BY data_rilascio DESC, data_ricezione DESC`,
      ),
      cancelCertificate: db.prepare<[string, string, string]>(
        `UPDATE certificati SET state = 'annullato', id_annullamento = ?, data_annullamento = ?
         WHERE id_certificato = ? AND state = 'attivo'`,
      ),
      markRectified: db.prepare<[string]>(
        `UPDATE certificati SET state = 'rettificato' WHERE id_certificato = ? AND state = 'attivo'`,
      ),
      insertRicovero: db.prepare(
        `INSERT INTO ricoveri (id_inizio_ricovero, lavoratore_cf, operatore_cf, codice_regione, codice_asl, codice_struttura,
           sent_by, data_ricezione, data_ricovero, state, document)
         VALUES (@id_inizio_ricovero, @lavoratore_cf, @operatore_cf, @codice_regione, @codice_asl, @codice_struttura,
           @sent_by, @data_ricezione, @data_ricovero, @state, @document)`,
      ),
      getRicovero: db.prepare<[string], RicoveroRow>('SELECT * FROM ricoveri WHERE id_inizio_ricovero = ?'),
      cancelRicovero: db.prepare<[string, string, string]>(
        `UPDATE ricoveri SET state = 'annullato', id_annullamento = ?, data_annullamento = ?
         WHERE id_inizio_ricovero = ? AND state = 'attivo'`,
      ),
      activeDischarge: db.prepare<[string], { id_certificato: string }>(
        // Only the newest link of a rectification chain is 'attivo'; a rectified original no longer counts.
        `SELECT id_certificato FROM certificati
         WHERE id_inizio_ricovero = ? AND kind = 'dimissione' AND state = 'attivo' LIMIT 1`,
      ),
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

  insertCertificate(record: CertificateRecord): Promise<void> {
    return this.group.write(() => this.insertCertificateNow(record));
  }

  private insertCertificateNow(record: CertificateRecord): void {
    try {
      this.stmt.insertCertificate.run(certificateParams(record));
    } catch (err) {
      if (isUniqueViolation(err)) throw new DuplicateKeyError('idCertificato already used');
      throw err;
    }
  }

  getCertificate(idCertificato: string): CertificateRecord | undefined {
    const row = this.stmt.getCertificate.get(idCertificato);
    return row ? certificateFromRow(row) : undefined;
  }

  findCertificates(query: CertificateQuery): CertificateRecord[] {
    return this.stmt.findCertificates
      .all(query.medicoCf, query.lavoratoreCf, query.kind, query.fromDay, query.toDay)
      .map(certificateFromRow);
  }

  cancelCertificate(idCertificato: string, idAnnullamento: string, dataAnnullamento: string): Promise<CancelOutcome> {
    return this.group.write((): CancelOutcome => {
      try {
        const changed = this.stmt.cancelCertificate.run(idAnnullamento, dataAnnullamento, idCertificato).changes;
        return changed === 1 ? 'ok' : 'not_active';
      } catch (err) {
        if (isUniqueViolation(err)) throw new DuplicateKeyError('idAnnullamento already used');
        throw err;
      }
    });
  }

  rectifyCertificate(originalId: string, rectification: CertificateRecord): Promise<RectifyOutcome> {
    // Two statements in one savepoint inside the group's IMMEDIATE transaction:
    // the state check and both writes are one step for every process, and a
    // failed insert takes the state change back with it.
    return this.group.write(() =>
      this.db.transaction((): RectifyOutcome => {
        if (this.stmt.markRectified.run(originalId).changes !== 1) return 'not_active';
        this.insertCertificateNow(rectification);
        return 'ok';
      })(),
    );
  }

  insertRicovero(record: RicoveroRecord): Promise<void> {
    return this.group.write(() => this.insertRicoveroNow(record));
  }

  private insertRicoveroNow(record: RicoveroRecord): void {
    try {
      this.stmt.insertRicovero.run({
        id_inizio_ricovero: record.idInizioRicovero,
        lavoratore_cf: record.lavoratoreCf,
        operatore_cf: record.operatoreCf,
        codice_regione: record.codiceRegione,
        codice_asl: record.codiceAsl,
        codice_struttura: record.codiceStruttura,
        sent_by: record.sentBy,
        data_ricezione: record.dataRicezione,
        data_ricovero: record.document.ricovero.dataRicovero,
        state: record.state,
        document: JSON.stringify(record.document),
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new DuplicateKeyError('idInizioRicovero already used');
      throw err;
    }
  }

  getRicovero(idInizioRicovero: string): RicoveroRecord | undefined {
    const row = this.stmt.getRicovero.get(idInizioRicovero);
    if (!row) return undefined;
    return {
      idInizioRicovero: row.id_inizio_ricovero,
      lavoratoreCf: row.lavoratore_cf,
      operatoreCf: row.operatore_cf,
      codiceRegione: row.codice_regione,
      codiceAsl: row.codice_asl,
      codiceStruttura: row.codice_struttura,
      sentBy: row.sent_by,
      dataRicezione: row.data_ricezione,
      state: row.state,
      document: JSON.parse(row.document) as RicoveroRecord['document'],
      idAnnullamento: row.id_annullamento,
      dataAnnullamento: row.data_annullamento,
    };
  }

  cancelRicovero(idInizioRicovero: string, idAnnullamento: string, dataAnnullamento: string): Promise<CancelRicoveroOutcome> {
    return this.group.write((): CancelRicoveroOutcome => {
      if (this.stmt.activeDischarge.get(idInizioRicovero)) return 'has_discharge';
      try {
        const changed = this.stmt.cancelRicovero.run(idAnnullamento, dataAnnullamento, idInizioRicovero).changes;
        return changed === 1 ? 'ok' : 'not_active';
      } catch (err) {
        if (isUniqueViolation(err)) throw new DuplicateKeyError('idAnnullamento already used');
        throw err;
      }
    });
  }

  insertDischarge(record: CertificateRecord): Promise<DischargeOutcome> {
    const idInizioRicovero = record.idInizioRicovero;
    if (!idInizioRicovero) return Promise.reject(new Error('a discharge certificate refers to an admission'));
    return this.group.write((): DischargeOutcome => {
      if (this.stmt.getRicovero.get(idInizioRicovero)?.state !== 'attivo') return 'ricovero_not_active';
      if (this.stmt.activeDischarge.get(idInizioRicovero)) return 'discharge_exists';
      this.insertCertificateNow(record);
      return 'ok';
    });
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

  /** Commits what is queued, then closes the file. */
  close(): void {
    this.group.flush();
    if (this.db.open) this.db.close();
  }
}
