/**
 * Typed views of the contract's request types, as the handlers use them.
 * Field names are the contract's; optional fields are the minOccurs="0" ones.
 */
export interface Redattore {
  readonly codiceFiscale?: string;
  readonly pincode?: string;
  readonly codiceRegione?: string;
  readonly codiceAsl?: string;
  readonly codiceStruttura?: string;
}

export interface Address {
  readonly via: string;
  readonly civico: string;
  readonly cap: string;
  readonly codiceCatastale?: string;
  readonly comune?: string;
  readonly provincia?: string;
}

export interface Reperibilita {
  readonly cognome?: string;
  readonly indirizzo?: Address;
}

export interface Diagnosi {
  readonly codiceDiagnosi?: string;
  readonly noteDiagnosi?: string;
}

export interface Malattia {
  readonly ruoloMedico: 'S' | 'P';
  readonly dataRilascio: string;
  readonly dataInizio: string;
  readonly dataFine: string;
  readonly visita: 'A' | 'D' | 'P';
  readonly tipoCertificato: 'I' | 'C' | 'R';
  readonly diagnosi: Diagnosi;
  readonly giornataLavorata?: 'true' | 'false';
  readonly trauma?: 'true' | 'false';
  readonly agevolazioni?: 'T' | 'C' | 'I';
}

/** A discharge certificate's clinical part (disciplinare 3.8). */
export interface Dimissione {
  readonly ruoloMedico: 'S' | 'P';
  readonly dataRicovero: string;
  readonly dataDimissione: string;
  readonly dataFine: string;
  readonly tipoCertificato: 'I' | 'C' | 'R';
  readonly tipoRicovero: 'R' | 'H';
  readonly diagnosi: Diagnosi;
  readonly giornataLavorata?: 'true' | 'false';
  readonly trauma?: 'true' | 'false';
  readonly agevolazioni?: 'T' | 'C' | 'I';
}

/** An admission as communicated by the hospital (disciplinare 3.7). */
export interface Ricovero {
  readonly dataRicovero: string;
  readonly giornataLavorata?: 'true' | 'false';
  readonly trauma?: 'true' | 'false';
}

export interface InvioMalattiaRequest {
  readonly medico: Redattore;
  readonly lavoratore: { readonly codiceFiscale: string };
  readonly residenza: Address;
  readonly reperibilita?: Reperibilita;
  readonly malattia: Malattia;
}

export interface InterrogazioneLavoratoreRequest {
  readonly medico: Redattore;
  readonly lavoratore: { readonly codiceFiscale: string };
}
