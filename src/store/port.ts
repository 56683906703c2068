/**
 * The store port: what the SAC handlers need from persistence. Adapters
 * (SQLite first) implement it; handlers never see SQL.
 */
import type { Address, Malattia, Reperibilita } from '../sac/types.js';

export type UserKind = 'medico' | 'regione' | 'operatore';

export interface UserRecord {
  /** HTTP Basic user name. For doctors and operators it is their codice fiscale. */
  readonly username: string;
  readonly kind: UserKind;
  readonly passwordHash: string;
  /** Doctors only: slow hash of the pincode they send encrypted. */
  readonly pincodeHash: string | null;
  /** Region code (e.g. "120"): the doctor's region, or the region a regione user acts for. */
  readonly codiceRegione: string | null;
  /** Operators only: their ASL and structure. */
  readonly codiceAsl: string | null;
  readonly codiceStruttura: string | null;
}

export type CertificateKind = 'malattia' | 'dimissione';
export type CertificateState = 'attivo' | 'annullato' | 'rettificato';

/** What a doctor certified, as received (after decryption of the worker's CF). */
export interface CertificateDocument {
  readonly residenza: Address;
  readonly reperibilita?: Reperibilita;
  readonly malattia: Malattia;
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
}

export class DuplicateKeyError extends Error {}

export interface CertificateStore {
  findUser(username: string): UserRecord | undefined;
  putUser(user: UserRecord): void;
  countUsers(): number;
  /** Durable when it returns: the row is committed and synced. Throws DuplicateKeyError on a reused PUC. */
  insertCertificate(record: CertificateRecord): void;
  getCertificate(idCertificato: string): CertificateRecord | undefined;
  countCertificates(): number;
  close(): void;
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
