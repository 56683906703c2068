/** Rows of the store tables and their conversion to the port's records (the PostgreSQL adapter has the same columns and uses them too). */
import { certificateDays, type CertificateRecord, type Employment, type JournalEntry, type Person, type RicoveroRecord, type UserRecord } from '../port.js';

export interface UserRow {
  username: string;
  kind: UserRecord['kind'];
  password_hash: string;
  pincode_hash: string | null;
  codice_regione: string | null;
  codice_asl: string | null;
  codice_struttura: string | null;
}

export interface CertificateRow {
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
  paper_window: string | null;
}

export interface RicoveroRow {
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

export function isUniqueViolation(err: unknown): boolean {
  const code = err instanceof Error && 'code' in err ? (err as { code: string }).code : '';
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export function certificateFromRow(row: CertificateRow): CertificateRecord {
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
    paperWindow: row.paper_window,
  };
}

export function certificateParams(record: CertificateRecord) {
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
    paper_window: record.paperWindow ?? null,
  };
}


export function ricoveroFromRow(row: RicoveroRow): RicoveroRecord {
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

export function ricoveroParams(record: RicoveroRecord) {
  return {
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
  };
}

export interface JournalRow {
  seq: number;
  at: string;
  username: string;
  client_address: string;
  operation: string;
  action: JournalEntry['action'];
  subject_kind: JournalEntry['subjectKind'];
  subject_id: string;
  detail: string | null;
}

export function journalFromRow(row: JournalRow): JournalEntry {
  return {
    at: row.at,
    username: row.username,
    clientAddress: row.client_address,
    operation: row.operation,
    action: row.action,
    subjectKind: row.subject_kind,
    subjectId: row.subject_id,
    detail: row.detail,
  };
}

export function userFromRow(row: UserRow): UserRecord {
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

/** A row of rapporti_lavoro (migration 9; the same columns in PostgreSQL). */
export interface EmploymentRow {
  readonly lavoratore_cf: string;
  readonly datore_cf: string;
  readonly data_inizio: string;
  readonly data_fine: string | null;
  readonly ragione_sociale: string;
  readonly matricola_inps: string;
  readonly cod_sede: string;
}

export function employmentFromRow(row: EmploymentRow): Employment {
  return {
    workerCf: row.lavoratore_cf,
    employerCf: row.datore_cf,
    ragioneSociale: row.ragione_sociale,
    matricolaInps: row.matricola_inps,
    codSede: row.cod_sede,
    from: row.data_inizio,
    to: row.data_fine,
  };
}

/** A row of assistiti (every column text). */
export type PersonRow = Record<string, string>;

export function personFromRow(row: PersonRow): Person {
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
