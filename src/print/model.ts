/**
 * What a printed copy shows (disciplinare §6, Allegati A–E): every datum the
 * sender sent, the `dataRicezione` and the identifier (PUC or PUCIR), and
 * the document's state. One type per kind of form.
 *
 * Privacy by construction: the attestato (B, D) and the admission notice (E)
 * have no diagnosis field, so no renderer or builder can put one there; only
 * the certificato (A, C) carries `diagnosi`.
 */
import type { Address, Reperibilita } from '../domain/certificate.js';

export type Allegato = 'A' | 'B' | 'C' | 'D' | 'E';

/** A person as printed: the codice fiscale always, the names when the registry knows them. */
export interface PrintedPerson {
  readonly codiceFiscale: string;
  readonly cognome?: string;
  readonly nome?: string;
  /** Workers only, from the registry: YYYY-MM-DD, comune (provincia). */
  readonly dataNascita?: string;
  readonly luogoNascita?: string;
}

/** A health structure: region, ASL and structure codes. */
export interface PrintedStructure {
  readonly codiceRegione: string;
  readonly codiceAsl: string;
  readonly codiceStruttura: string | null;
}

/** Where the document stands now. */
export type PrintedState =
  | { readonly kind: 'attivo' }
  | { readonly kind: 'annullato'; readonly idAnnullamento?: string; readonly dataAnnullamento?: string }
  /** Replaced by a rectification: its dates no longer hold; the current rectification and end when known. */
  | { readonly kind: 'rettificato'; readonly rettificatoDa?: string; readonly dataFineAttuale?: string };

/** What every form has: identifier, reception, state, worker. */
interface PrintedCommon {
  /** The PUC (A–D) or the PUCIR (E). */
  readonly id: string;
  /** xs:dateTime as answered to the sender. */
  readonly dataRicezione: string;
  readonly state: PrintedState;
  readonly lavoratore: PrintedPerson;
  readonly residenza: Address;
  /** Issued on paper during a maintenance window and entered later: the window. */
  readonly paperWindow?: string;
}

/** The data of the absence common to certificato and attestato (no diagnosis here). */
export interface PrintedAbsence {
  readonly ruoloMedico: 'S' | 'P';
  readonly tipoCertificato: 'I' | 'C' | 'R';
  /** Release day (malattia) or discharge day (dimissione). */
  readonly dataRilascio: string;
  readonly dataInizio: string;
  /** The prognosis's end: for a rectification, its current end. */
  readonly dataFine: string;
  /** Malattia only. */
  readonly visita?: 'A' | 'D' | 'P';
  /** Dimissione only. */
  readonly dataRicovero?: string;
  readonly dataDimissione?: string;
  readonly tipoRicovero?: 'R' | 'H';
  readonly giornataLavorata?: 'true' | 'false';
  readonly trauma?: 'true' | 'false';
  readonly agevolazioni?: 'T' | 'C' | 'I';
}

interface PrintedCertificateBase extends PrintedCommon {
  readonly medico: PrintedPerson;
  readonly reperibilita?: Reperibilita;
  readonly absence: PrintedAbsence;
  /** A rectification: the PUC it rectifies. */
  readonly rettificaDi?: string;
  /** A discharge certificate: the admission (PUCIR) it closes. */
  readonly idInizioRicovero?: string;
  /** A discharge certificate: the structure of its admission, where it was issued. */
  readonly struttura?: PrintedStructure;
}

/** Allegato A (malattia) or C (dimissione): the worker's copy, with the diagnosis. */
export interface PrintableCertificato extends PrintedCertificateBase {
  readonly allegato: 'A' | 'C';
  readonly diagnosi: { readonly codiceDiagnosi?: string; readonly noteDiagnosi?: string };
}

/** Allegato B (malattia) or D (dimissione): the employer's copy. No diagnosis field, on purpose. */
export interface PrintableAttestato extends PrintedCertificateBase {
  readonly allegato: 'B' | 'D';
}

/** Allegato E: the admission notice. No diagnosis exists for it. */
export interface PrintableRicovero extends PrintedCommon {
  readonly allegato: 'E';
  readonly operatore: PrintedPerson;
  readonly struttura: PrintedStructure;
  readonly dataRicovero: string;
  readonly giornataLavorata?: 'true' | 'false';
  readonly trauma?: 'true' | 'false';
}

export type PrintableForm = PrintableCertificato | PrintableAttestato | PrintableRicovero;

/** The form titles, as the disciplinare's annexes name them. */
export const FORM_TITLES: Readonly<Record<Allegato, string>> = {
  A: 'Certificato di malattia telematico',
  B: 'Attestato di malattia telematico',
  C: 'Certificato di malattia in sede di dimissione',
  D: 'Attestato di malattia in sede di dimissione',
  E: 'Comunicazione di inizio ricovero',
};
