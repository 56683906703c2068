/**
 * The store port: what the SAC handlers need from persistence. Adapters
 * (SQLite first) implement it; handlers never see SQL.
 */
import type { Address, Dimissione, Malattia, Reperibilita, Ricovero } from '../domain/certificate.js';

/**
 * Who logs in. medico, regione and operatore call CertificatiMedici;
 * datore (an employer: username its 11-digit codice fiscale) and lavoratore
 * (a worker: username their codice fiscale) read the INPS side (issue 12) and
 * may call none of the ten CertificatiMedici operations (src/sac/callerKinds.ts).
 */
export type UserKind = 'medico' | 'regione' | 'operatore' | 'datore' | 'lavoratore';

export interface UserRecord {
  /** HTTP Basic user name. For doctors and operators it is their codice fiscale. */
  readonly username: string;
  readonly kind: UserKind;
  readonly passwordHash: string;
  /** Doctors only: slow hash of the pincode they send encrypted. */
  readonly pincodeHash: string | null;
  /**
   * Region code (e.g. "120"): the doctor's or operator's region, or the region a
   * regione user acts for. Authorization fails closed: null matches nothing.
   */
  readonly codiceRegione: string | null;
  /** Operators and hospital doctors: their ASL and structure (a doctor without them files no discharge). */
  readonly codiceAsl: string | null;
  readonly codiceStruttura: string | null;
}

export type CertificateKind = 'malattia' | 'dimissione';
export type CertificateState = 'attivo' | 'annullato' | 'rettificato';

/**
 * What a doctor certified, as received (after decryption of the worker's CF):
 * a sickness certificate has `malattia`, a discharge certificate `dimissione`.
 */
export type CertificateDocument =
  | { readonly residenza: Address; readonly reperibilita?: Reperibilita; readonly malattia: Malattia; readonly dimissione?: undefined }
  | { readonly residenza: Address; readonly reperibilita?: Reperibilita; readonly dimissione: Dimissione; readonly malattia?: undefined };

/** The days a certificate covers, whatever its kind: issued, prognosis start, prognosis end. */
export function certificateDays(document: CertificateDocument): { rilascio: string; inizio: string; fine: string } {
  if (document.malattia) {
    const m = document.malattia;
    return { rilascio: m.dataRilascio, inizio: m.dataInizio, fine: m.dataFine };
  }
  const d = document.dimissione;
  return { rilascio: d.dataDimissione, inizio: d.dataRicovero, fine: d.dataFine };
}

/** The certificate that now holds a rectified one's dates: the last of its chain of rectifications. */
export interface Successor {
  /** The PUC of the current rectification. */
  readonly idCertificato: string;
  /** Its end of prognosis: the absence's current end. */
  readonly dataFine: string;
}

/** Rectifications followed at most (a chain longer than this is not one the gateway makes). */
const MAX_RECTIFICATION_CHAIN = 16;

/**
 * Where a rectified certificate's dates now live: its rectification, or that
 * one's rectification, and so on (a rectification may be rectified in turn).
 * Undefined for a certificate that is not rectified.
 */
export function successorOf(record: CertificateRecord, getRectificationOf: (id: string) => CertificateRecord | undefined): Successor | undefined {
  if (record.state !== 'rettificato') return undefined;
  let current: CertificateRecord | undefined;
  let id = record.idCertificato;
  for (let i = 0; i < MAX_RECTIFICATION_CHAIN; i++) {
    const next = getRectificationOf(id);
    if (next === undefined) break;
    current = next;
    if (next.state !== 'rettificato') break;
    id = next.idCertificato;
  }
  return current && { idCertificato: current.idCertificato, dataFine: certificateDays(current.document).fine };
}

export interface CertificateRecord {
  /** The PUC. */
  readonly idCertificato: string;
  readonly kind: CertificateKind;
  readonly medicoCf: string;
  readonly lavoratoreCf: string;
  /** xs:dateTime with the Europe/Rome offset, as answered to the sender. */
  readonly dataRicezione: string;
  /** The user who sent it (a doctor, or a region on the doctor's behalf). */
  readonly sentBy: string;
  readonly state: CertificateState;
  readonly document: CertificateDocument;
  /** For a rectification: the PUC of the certificate it rectifies. */
  readonly rettificaDi?: string | null;
  /** For a discharge certificate: the admission (PUCIR) it closes. */
  readonly idInizioRicovero?: string | null;
  readonly idAnnullamento?: string | null;
  readonly dataAnnullamento?: string | null;
  /**
   * Issued on paper while the service was stopped for maintenance and entered
   * after the window, within its grace period: the window as configured (ISO
   * 8601 start/end). Null for a certificate sent in the normal way. Fixed at
   * creation (migration 6).
   */
  readonly paperWindow?: string | null;
}

export type RicoveroState = 'attivo' | 'annullato';

export interface RicoveroRecord {
  /** The PUCIR. */
  readonly idInizioRicovero: string;
  readonly lavoratoreCf: string;
  /** The hospital operator on whose behalf it was sent. */
  readonly operatoreCf: string;
  readonly codiceRegione: string;
  readonly codiceAsl: string;
  readonly codiceStruttura: string | null;
  readonly sentBy: string;
  readonly dataRicezione: string;
  readonly state: RicoveroState;
  readonly document: { readonly residenza: Address; readonly ricovero: Ricovero };
  readonly idAnnullamento?: string | null;
  readonly dataAnnullamento?: string | null;
}

export interface CertificateQuery {
  readonly medicoCf: string;
  readonly lavoratoreCf: string;
  readonly kind: CertificateKind;
  /** Inclusive range of release days (YYYY-MM-DD). */
  readonly fromDay: string;
  readonly toDay: string;
}

/**
 * Outcomes of the state-changing writes. Each is decided inside one write
 * transaction, so two racing requests cannot both win, whichever process
 * they run in.
 */
export type CancelOutcome = 'ok' | 'not_active';
export type RectifyOutcome = 'ok' | 'not_active';
export type CancelRicoveroOutcome = 'ok' | 'not_active' | 'has_discharge';
export type DischargeOutcome = 'ok' | 'ricovero_not_active' | 'discharge_exists';

/**
 * A new certificate's or admission's claim on its request: stored with it in
 * the same transaction, so a resubmission (or a racing twin) finds it there.
 * Keys are hashes (src/sac/idempotency.ts): never a payload, never a pincode.
 */
export interface IdempotencyClaim {
  /** SHA-256 (base64) of the sender, the operation and the request's canonical form. */
  readonly requestKey: string;
  /** SHA-256 (base64) of the sender and the wsa:MessageID, when the request carried one. */
  readonly messageKey: string | null;
  /** When the request was received, in ms since the epoch (the handler's clock). */
  readonly at: number;
  /** Claims made before this instant (ms) have expired: they are ignored, and purged. */
  readonly notBefore: number;
}

/** What an earlier request with the same key created, still active: its receipt is answered again. */
export interface EarlierReceipt {
  readonly subjectKind: 'certificato' | 'ricovero';
  /** The PUC, or the PUCIR for an admission. */
  readonly id: string;
  readonly dataRicezione: string;
  /** A discharge certificate's admission (PUCIR). */
  readonly idInizioRicovero: string | null;
}

/**
 * Why a claimed write was not made: an earlier request with the same key
 * created what `replay` names; or the wsa:MessageID was already used by a
 * different request (`messageReused`).
 */
export type ClaimConflict = { readonly replay: EarlierReceipt } | { readonly messageReused: true };

export { DuplicateKeyError, InvalidPersonError, StoreUnavailableError, StoreWriteError } from './errors.js';

/**
 * The access journal: who read or changed which health datum, when, from
 * where. Append-only; kept in the store, never in the log.
 */
export type JournalAction =
  | 'lettura'
  | 'creazione'
  | 'rettifica'
  | 'annullamento'
  /** A discharge certificate was filed against this admission. */
  | 'dimissione'
  /** A look-up named a certificate or admission that exists but is not the caller's. */
  | 'accesso_negato'
  | 'login_fallito';

export type JournalSubjectKind = 'certificato' | 'ricovero' | 'persona' | 'utente';

/** What every entry of one request shares: when, who, from where, in which operation. */
export interface JournalStamp {
  /** xs:dateTime with the Europe/Rome offset, like dataRicezione. */
  readonly at: string;
  readonly username: string;
  readonly clientAddress: string;
  readonly operation: string;
}

export interface JournalEntry extends JournalStamp {
  readonly action: JournalAction;
  readonly subjectKind: JournalSubjectKind;
  readonly subjectId: string;
  /** A short fixed word (e.g. why a login failed); never a value from a request, never a diagnosis. */
  readonly detail?: string | null;
}

/** One subject, one user, or one person (with every certificate and admission of that person). */
export type JournalQuery =
  | { readonly subjectKind: Exclude<JournalSubjectKind, 'persona'>; readonly subjectId: string }
  | { readonly username: string }
  | { readonly person: string };

/**
 * The sandbox's request inspector and conformance report (src/sandbox/,
 * migration 8): what one user's authenticated requests looked like and what
 * the gateway made of them. Only written when the sandbox is on (synthetic
 * data); the pincode and the Authorization header are masked before they
 * reach the store.
 */
export interface SandboxExchange {
  /** xs:dateTime with the Europe/Rome offset, when the answer left. */
  readonly at: string;
  readonly username: string;
  /** The operation, or 'sconosciuta' when the request never named one the gateway knows. */
  readonly operation: string;
  readonly status: number;
  /** 'ricevutaOk', 'ricevutaNonOk' or 'fault'. */
  readonly outcome: 'ricevutaOk' | 'ricevutaNonOk' | 'fault';
  /** tipoErrore codes answered, or the fault's catalog key. */
  readonly codes: readonly string[];
  /** Conformance warning codes (src/sandbox/conformance.ts). */
  readonly warnings: readonly string[];
  readonly durationMs: number;
  /** Request headers, Authorization masked; bounded in count and length. */
  readonly requestHeaders: Readonly<Record<string, string>>;
  /** Masked (pincode, passwords) and cut to the configured size. */
  readonly requestBody: string;
  readonly requestTruncated: boolean;
  readonly responseBody: string;
  readonly responseTruncated: boolean;
}

/** One line of a user's conformance report: how often something was seen, first and last time. */
export interface ConformanceCount {
  readonly category: 'operazione' | 'diagnostica' | 'avviso';
  /** The operation name, the tipoErrore code (or fault key), or the warning code. */
  readonly key: string;
  /** For an operation: 'ricevutaOk', 'ricevutaNonOk' or 'fault'; '' otherwise. */
  readonly outcome: string;
  readonly count: number;
  readonly firstAt: string;
  readonly lastAt: string;
}

export interface SandboxInspectStore {
  /** Store one exchange (keeping only the user's newest `keep`) and count it in the user's report, in one write. */
  recordSandboxExchange(exchange: SandboxExchange, keep: number): Promise<void>;
  /** The user's stored exchanges, newest first. */
  readSandboxExchanges(username: string): SandboxExchange[];
  readConformance(username: string): ConformanceCount[];
  /** Forget the user's report ('conformita') or stored exchanges ('richieste'). */
  resetSandbox(username: string, what: 'conformita' | 'richieste'): Promise<void>;
}

export interface CertificateStore extends SandboxInspectStore {
  findUser(username: string): UserRecord | undefined;
  putUser(user: UserRecord): void;
  countUsers(): number;
  /** Every user, by username (read lazily: the administration CLI lists them). */
  listUsers(): Iterable<UserRecord>;
  /**
   * Every write below settles only when its transaction is committed and
   * synced: an acknowledgement sent after it cannot be lost. Rejects with
   * DuplicateKeyError on a reused protocol number.
   *
   * Each change takes the journal stamp of the request that makes it: its
   * journal entries are written in the same transaction, so a change never
   * exists without them (and a refused change leaves none).
   *
   * A creation given an IdempotencyClaim first looks for an earlier live
   * claim with the same keys, in the same transaction: if there is one,
   * nothing is written and the conflict is returned; otherwise the claim is
   * stored with the record. Two racing twins: one creates, the other replays.
   */
  insertCertificate(record: CertificateRecord, by: JournalStamp, claim?: IdempotencyClaim): Promise<ClaimConflict | undefined>;
  getCertificate(idCertificato: string): CertificateRecord | undefined;
  /** The rectification of a certificate (the one whose rettificaDi names it), if any. */
  getRectificationOf(idCertificato: string): CertificateRecord | undefined;
  /** Certificates of one doctor for one worker, newest release first. */
  findCertificates(query: CertificateQuery): CertificateRecord[];
  countCertificates(): number;
  /**
   * A worker's certificates (every kind and state), oldest reception first,
   * at most `limit` (the INPS side: the worker's own documents, an employer's
   * export).
   */
  certificatesOfWorker(lavoratoreCf: string, limit: number): CertificateRecord[];
  /** A worker's admissions, oldest reception first, at most `limit`. */
  ricoveriOfWorker(lavoratoreCf: string, limit: number): RicoveroRecord[];
  /**
   * The certificates of every worker the employer ever employed (the
   * employment registry) received or cancelled on the days dal..al
   * (YYYY-MM-DD, Europe/Rome, inclusive), at most `limit`, in no order.
   * Whether each absence falls in an employment is the caller's check.
   */
  certificatesForEmployer(employerCf: string, dal: string, al: string, limit: number): CertificateRecord[];
  /** The same for admissions. */
  ricoveriForEmployer(employerCf: string, dal: string, al: string, limit: number): RicoveroRecord[];
  /** Cancel an active certificate. */
  cancelCertificate(idCertificato: string, idAnnullamento: string, dataAnnullamento: string, by: JournalStamp): Promise<CancelOutcome>;
  /** Mark an active certificate rectified and store its rectification, in one transaction. */
  rectifyCertificate(originalId: string, rectification: CertificateRecord, by: JournalStamp): Promise<RectifyOutcome>;
  insertRicovero(record: RicoveroRecord, by: JournalStamp, claim?: IdempotencyClaim): Promise<ClaimConflict | undefined>;
  getRicovero(idInizioRicovero: string): RicoveroRecord | undefined;
  /** Cancel an active admission that no active discharge certificate refers to. */
  cancelRicovero(idInizioRicovero: string, idAnnullamento: string, dataAnnullamento: string, by: JournalStamp): Promise<CancelRicoveroOutcome>;
  /** Store a discharge certificate if its admission is active and has no active discharge yet. */
  insertDischarge(record: CertificateRecord, by: JournalStamp, claim?: IdempotencyClaim): Promise<DischargeOutcome | ClaimConflict>;
  /**
   * The conflict a claimed write would meet now, read without writing (for a
   * request that fails its checks: it may still be a resubmission of one that
   * passed them earlier). The write itself decides again, in its transaction.
   * Asynchronous: the claims may live where the single writer is.
   */
  findClaim(claim: IdempotencyClaim): Promise<ClaimConflict | undefined>;
  /**
   * Append entries to the access journal (reads, refused look-ups, failed
   * logins). Settles once they are committed: a read of health data awaits
   * it before its answer leaves.
   */
  appendJournal(entries: readonly JournalEntry[]): Promise<void>;
  /** The journal's entries for one subject, user or person, oldest first. */
  readJournal(query: JournalQuery): Iterable<JournalEntry>;
  /** Why the store cannot take writes now, or undefined while it can (for health checks). */
  writeFailure(): Error | undefined;
  /** Writes of this process waiting for their commit (a cheap read: admission control refuses beyond a limit). */
  pendingWrites(): number;
  close(): Promise<void>;
}

export interface Person {
  readonly codiceFiscale: string;
  readonly cognome: string;
  readonly nome: string;
  readonly sesso: 'M' | 'F';
  readonly dataNascita: string;
  readonly comuneNascita: string;
  readonly provinciaNascita: string;
}

/** The registry of assisted persons (banca dati degli assistiti). */
export interface PersonRegistry {
  findPerson(codiceFiscale: string): Person | undefined;
  /** Adds or replaces; returns how many were written. */
  putPersons(persons: Iterable<Person>): number;
  countPersons(): number;
}

/**
 * One employment (rapporto di lavoro): a worker employed by a company from
 * `from` to `to` inclusive (YYYY-MM-DD; `to` null while it lasts). An employer
 * sees a worker's documents only for absences overlapping an employment with
 * it (issue 12).
 */
export interface Employment {
  readonly workerCf: string;
  /** The company's codice fiscale (11 digits, check digit verified). */
  readonly employerCf: string;
  readonly ragioneSociale: string;
  /** The company's INPS registration number (10 digits). */
  readonly matricolaInps: string;
  /** The INPS office (sede) code (4 digits). */
  readonly codSede: string;
  readonly from: string;
  readonly to: string | null;
}

/**
 * Who employs whom (migration 9). Every look-up takes an inclusive range of
 * days and answers the employments that share at least one day with it:
 * start <= `to` and (no end, or end >= `from`).
 */
export interface EmploymentRegistry {
  /** The worker's employments overlapping [from, to], by start then employer. */
  employersOf(workerCf: string, from: string, to: string): Employment[];
  /** The employer's employments overlapping [from, to], by worker then start. */
  workersOf(employerCf: string, from: string, to: string): Employment[];
  /** Whether the employer employed the worker on at least one day of [from, to] (an absence's first to last day). */
  employs(employerCf: string, workerCf: string, from: string, to: string): boolean;
  /**
   * Adds or replaces (same worker, employer and start) through the single
   * writer, in one transaction; settles once committed. Returns how many.
   */
  putEmployments(employments: readonly Employment[]): Promise<number>;
  countEmployments(): number;
}
