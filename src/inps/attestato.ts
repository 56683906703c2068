/**
 * The attestato: what the employer (and anyone holding the worker's CF and the
 * PUC) may see of a certificate, and the admission and discharge notices
 * (disciplinare 3.5, 3.6, 3.7). Built from what the store holds by an explicit
 * allow-list: every field is named here, one by one, and nothing is copied
 * wholesale, so the diagnosis (codiceDiagnosi, noteDiagnosi) cannot reach an
 * attestato however the stored document grows.
 *
 * Left out on purpose (minimal disclosure; add here, by name, if INPS's own
 * attestato turns out to need them): the issuing doctor, ruoloMedico, visita
 * (a "pronto soccorso" visit says something about health), and an admission's
 * structure (a clinic's name can reveal the illness).
 */
import type { Address } from '../domain/certificate.js';
import type { CertificateRecord, CertificateState, PersonRegistry, RicoveroRecord, RicoveroState, Successor } from '../store/port.js';

/** The employer an export is for (the employment registry's row, as far as the attestato needs it). */
export interface EmployerRef {
  /** Codice fiscale (partita IVA) of the company: the importer's codFiscAzienda. */
  readonly codiceFiscale: string;
  readonly matricolaInps: string;
  readonly codSede: string;
}

/** The worker as the importer filters by: codice fiscale, surname, name (from the persons registry). */
export interface Lavoratore {
  readonly codiceFiscale: string;
  readonly cognome: string;
  readonly nome: string;
}

/** The worker as answered: the codice fiscale, and the names the registry knows ('' when it does not). */
export async function lavoratoreOf(registry: Pick<PersonRegistry, 'findPerson'>, codiceFiscale: string): Promise<Lavoratore> {
  const person = await registry.findPerson(codiceFiscale);
  return { codiceFiscale, cognome: person?.cognome ?? '', nome: person?.nome ?? '' };
}

export interface IndirizzoView {
  readonly via: string;
  readonly civico: string;
  readonly cap: string;
  readonly comune?: string;
  readonly provincia?: string;
}

export interface ReperibilitaView {
  /** The name at the door, when the doctor gave one. */
  readonly cognome?: string;
  readonly indirizzo: IndirizzoView;
  /** True when the doctor gave no reperibilità: the worker is reachable at the residence. */
  readonly daResidenza: boolean;
}

/** A sickness or discharge certificate without its diagnosis. */
export interface AttestatoView {
  readonly kind: 'malattia' | 'dimissione';
  /** The PUC. */
  readonly idCertificato: string;
  /** Present only on a rectification: the PUC it rectifies. */
  readonly idCertificatoRettificato?: string;
  /** attivo, annullato (cancelled) or rettificato (superseded by a rectification). */
  readonly stato: CertificateState;
  /** A rectified certificate's current rectification (its PUC), when known. */
  readonly idCertificatoRettifica?: string;
  /** And the absence's current end, from that rectification. */
  readonly dataFineRettifica?: string;
  /** When INPS received it (xs:dateTime, Europe/Rome offset). */
  readonly dataRicezione: string;
  readonly tipoCertificato: 'I' | 'C' | 'R';
  readonly dataRilascio: string;
  readonly dataInizio: string;
  /** The current end of the prognosis (a rectification's new end). */
  readonly dataFine: string;
  readonly giornataLavorata?: 'true' | 'false';
  readonly trauma?: 'true' | 'false';
  readonly agevolazioni?: 'T' | 'C' | 'I';
  /** Discharge certificates only: R (ricovero) or H (day hospital). */
  readonly tipoRicovero?: 'R' | 'H';
  /** Discharge certificates only. */
  readonly idInizioRicovero?: string;
  readonly dataRicovero?: string;
  readonly dataDimissioni?: string;
  readonly residenza: IndirizzoView;
  readonly reperibilita: ReperibilitaView;
  readonly idAnnullamento?: string;
  readonly dataAnnullamento?: string;
}

/** The admission notice (comunicazione di inizio ricovero). */
export interface RicoveroView {
  readonly idInizioRicovero: string;
  readonly stato: RicoveroState;
  readonly dataRicezione: string;
  readonly dataRicovero: string;
  readonly giornataLavorata?: 'true' | 'false';
  readonly trauma?: 'true' | 'false';
  readonly idAnnullamento?: string;
  readonly dataAnnullamento?: string;
}

/** The discharge notice: the hospital stay a discharge certificate closes. */
export interface DimissioniView {
  /** The discharge certificate's PUC. */
  readonly idDimissioni: string;
  readonly idInizioRicovero?: string;
  readonly stato: CertificateState;
  readonly dataRicezione: string;
  readonly dataRicovero: string;
  readonly dataDimissioni: string;
  readonly tipoRicovero: 'R' | 'H';
  readonly agevolazioni?: 'T' | 'C' | 'I';
}

function indirizzo(address: Address): IndirizzoView {
  return {
    via: address.via,
    civico: address.civico,
    cap: address.cap,
    ...(address.comune !== undefined ? { comune: address.comune } : {}),
    ...(address.provincia !== undefined ? { provincia: address.provincia } : {}),
  };
}

/** Where the worker can be visited: the reperibilità given, else the residence (the contract sends one only when it differs). */
function reperibilita(record: CertificateRecord): ReperibilitaView {
  const given = record.document.reperibilita;
  if (given?.indirizzo) {
    return { ...(given.cognome !== undefined ? { cognome: given.cognome } : {}), indirizzo: indirizzo(given.indirizzo), daResidenza: false };
  }
  return {
    ...(given?.cognome !== undefined ? { cognome: given.cognome } : {}),
    indirizzo: indirizzo(record.document.residenza),
    daResidenza: true,
  };
}

function optional<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return (value === undefined || value === null ? {} : { [key]: value }) as { [P in K]?: V };
}

/** The attestato of a stored sickness or discharge certificate: all the employer may see, no diagnosis. */
export function attestatoOf(record: CertificateRecord, successor?: Successor): AttestatoView {
  const common = {
    idCertificato: record.idCertificato,
    ...optional('idCertificatoRettificato', record.rettificaDi),
    stato: record.state,
    ...optional('idCertificatoRettifica', successor?.idCertificato),
    ...optional('dataFineRettifica', successor?.dataFine),
    dataRicezione: record.dataRicezione,
    residenza: indirizzo(record.document.residenza),
    reperibilita: reperibilita(record),
    ...optional('idAnnullamento', record.idAnnullamento),
    ...optional('dataAnnullamento', record.dataAnnullamento),
  };
  const m = record.document.malattia;
  if (m) {
    return {
      kind: 'malattia',
      ...common,
      tipoCertificato: m.tipoCertificato,
      dataRilascio: m.dataRilascio,
      dataInizio: m.dataInizio,
      dataFine: m.dataFine,
      ...optional('giornataLavorata', m.giornataLavorata),
      ...optional('trauma', m.trauma),
      ...optional('agevolazioni', m.agevolazioni),
    };
  }
  const d = record.document.dimissione!;
  // The absence a discharge certificate covers runs from the admission to the
  // end of the prognosis (as certificateDays in the store port counts it).
  return {
    kind: 'dimissione',
    ...common,
    tipoCertificato: d.tipoCertificato,
    dataRilascio: d.dataDimissione,
    dataInizio: d.dataRicovero,
    dataFine: d.dataFine,
    ...optional('giornataLavorata', d.giornataLavorata),
    ...optional('trauma', d.trauma),
    ...optional('agevolazioni', d.agevolazioni),
    tipoRicovero: d.tipoRicovero,
    ...optional('idInizioRicovero', record.idInizioRicovero),
    dataRicovero: d.dataRicovero,
    dataDimissioni: d.dataDimissione,
  };
}

/** The admission notice of a stored admission. */
export function ricoveroOf(record: RicoveroRecord): RicoveroView {
  const r = record.document.ricovero;
  return {
    idInizioRicovero: record.idInizioRicovero,
    stato: record.state,
    dataRicezione: record.dataRicezione,
    dataRicovero: r.dataRicovero,
    ...optional('giornataLavorata', r.giornataLavorata),
    ...optional('trauma', r.trauma),
    ...optional('idAnnullamento', record.idAnnullamento),
    ...optional('dataAnnullamento', record.dataAnnullamento),
  };
}

/** The discharge notice of a stored discharge certificate; undefined for a sickness certificate. */
export function dimissioniOf(record: CertificateRecord): DimissioniView | undefined {
  const d = record.document.dimissione;
  if (!d) return undefined;
  return {
    idDimissioni: record.idCertificato,
    ...optional('idInizioRicovero', record.idInizioRicovero),
    stato: record.state,
    dataRicezione: record.dataRicezione,
    dataRicovero: d.dataRicovero,
    dataDimissioni: d.dataDimissione,
    tipoRicovero: d.tipoRicovero,
    ...optional('agevolazioni', d.agevolazioni),
  };
}
