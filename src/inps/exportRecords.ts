/**
 * The records of an employer's export (listaAttestati): one event each, as
 * HR and payroll software imports them. Shared by the XML and CSV renderings
 * (exportXml.ts, exportCsv.ts), which write the same elements in the same order.
 *
 * Dating: every record is dated by the moment it reached INPS, the
 * `dataRicezione` of the certificate or admission, or the `dataAnnullamento`
 * of a cancellation. A period export (dal..al) holds the events received on
 * those days (Europe/Rome), so consecutive periods never miss nor repeat an
 * event, and in date order a cancellation or rectification always comes after
 * what it changes.
 */
import type { CertificateRecord, RicoveroRecord } from '../store/port.js';
import {
  attestatoOf,
  dimissioniOf,
  ricoveroOf,
  type AttestatoView,
  type DimissioniView,
  type EmployerRef,
  type Lavoratore,
  type RicoveroView,
} from './attestato.js';

export type ExportRecord =
  | {
      readonly tipo: 'attestato';
      readonly at: string;
      readonly lavoratore: Lavoratore;
      readonly attestato: AttestatoView;
      /**
       * The employment the absence falls in, when its matricola or sede differ
       * from the export's employer (one company, several INPS positions).
       */
      readonly datore?: EmployerRef;
    }
  /** idCertificato: the cancelled certificate's PUC, or the cancelled admission's PUCIR (one number space). */
  | { readonly tipo: 'annullamento'; readonly at: string; readonly lavoratore: Lavoratore; readonly idCertificato: string }
  | { readonly tipo: 'ricovero'; readonly at: string; readonly lavoratore: Lavoratore; readonly ricovero: RicoveroView }
  | { readonly tipo: 'dimissioni'; readonly at: string; readonly lavoratore: Lavoratore; readonly dimissioni: DimissioniView };

export type ExportTipo = ExportRecord['tipo'];

/** What heads an export: for whom, which days (YYYY-MM-DD, inclusive). */
export interface ExportHeader {
  readonly employer: EmployerRef;
  readonly dal: string;
  readonly al: string;
}

/**
 * The events of one stored certificate: its attestato; for a discharge
 * certificate also the discharge notice; once cancelled, its cancellation.
 * `datore`: the employment's INPS position when it is not the export's.
 */
export function recordsOfCertificate(record: CertificateRecord, lavoratore: Lavoratore, datore?: EmployerRef): ExportRecord[] {
  const out: ExportRecord[] = [
    { tipo: 'attestato', at: record.dataRicezione, lavoratore, attestato: attestatoOf(record), ...(datore ? { datore } : {}) },
  ];
  const dimissioni = dimissioniOf(record);
  if (dimissioni) out.push({ tipo: 'dimissioni', at: record.dataRicezione, lavoratore, dimissioni });
  if (record.state === 'annullato' && record.dataAnnullamento) {
    out.push({ tipo: 'annullamento', at: record.dataAnnullamento, lavoratore, idCertificato: record.idCertificato });
  }
  return out;
}

/** The events of one stored admission: its notice; once cancelled, its cancellation. */
export function recordsOfRicovero(record: RicoveroRecord, lavoratore: Lavoratore): ExportRecord[] {
  const out: ExportRecord[] = [{ tipo: 'ricovero', at: record.dataRicezione, lavoratore, ricovero: ricoveroOf(record) }];
  if (record.state === 'annullato' && record.dataAnnullamento) {
    out.push({ tipo: 'annullamento', at: record.dataAnnullamento, lavoratore, idCertificato: record.idInizioRicovero });
  }
  return out;
}

/** The Europe/Rome day of a dataRicezione/dataAnnullamento (written with the Rome offset). */
export function dayOf(at: string): string {
  return at.slice(0, 10);
}

/** Whether the record's event happened on one of the header's days. */
export function inPeriod(record: ExportRecord, header: Pick<ExportHeader, 'dal' | 'al'>): boolean {
  const day = dayOf(record.at);
  return day >= header.dal && day <= header.al;
}

/** At the same instant: an admission before the certificates, a cancellation last. */
const RANK: Readonly<Record<ExportTipo, number>> = { ricovero: 0, attestato: 1, dimissioni: 2, annullamento: 3 };

function idOf(record: ExportRecord): string {
  switch (record.tipo) {
    case 'attestato':
      return record.attestato.idCertificato;
    case 'annullamento':
      return record.idCertificato;
    case 'ricovero':
      return record.ricovero.idInizioRicovero;
    case 'dimissioni':
      return record.dimissioni.idDimissioni;
  }
}

/**
 * The records in date order: by instant (offsets differ across the DST
 * change, so the strings are not compared as text), then kind, then id.
 * A new array; keys computed once (n log n, no re-parsing in the comparator).
 */
export function inDateOrder(records: readonly ExportRecord[]): ExportRecord[] {
  const keyed = records.map((record) => ({ record, t: Date.parse(record.at), rank: RANK[record.tipo], id: idOf(record) }));
  keyed.sort((a, b) => a.t - b.t || a.rank - b.rank || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return keyed.map((k) => k.record);
}

/** One element of the export: text, or children in order. */
export interface ExportElement {
  readonly name: string;
  readonly text?: string;
  readonly children?: readonly ExportElement[];
}

function leaf(name: string, text: string | undefined): ExportElement[] {
  return text === undefined ? [] : [{ name, text }];
}

function lavoratoreElement(l: Lavoratore): ExportElement {
  return { name: 'lavoratore', children: [...leaf('codiceFiscale', l.codiceFiscale), ...leaf('cognome', l.cognome), ...leaf('nome', l.nome)] };
}

/**
 * A record as the importer reads it, elements in the order the issue lists
 * them. A field the stored certificate does not have (giornataLavorata,
 * trauma, agevolazioni left out by the doctor, tipoRicovero of a sickness
 * certificate) is omitted, never written empty: an empty value would read
 * as a stated one.
 */
export function elementOf(record: ExportRecord, employer: EmployerRef): ExportElement {
  switch (record.tipo) {
    case 'attestato': {
      const a = record.attestato;
      const r = a.reperibilita;
      const i = r.indirizzo;
      const datore = record.datore ?? employer;
      return {
        name: 'attestato',
        children: [
          ...leaf('idCertificato', a.idCertificato),
          ...leaf('idCertificatoRettificato', a.idCertificatoRettificato),
          ...leaf('tipoCertificato', a.tipoCertificato),
          ...leaf('dataRilascio', a.dataRilascio),
          ...leaf('dataInizio', a.dataInizio),
          ...leaf('dataFine', a.dataFine),
          ...leaf('codFiscAzienda', datore.codiceFiscale),
          ...leaf('matricolaInps', datore.matricolaInps),
          ...leaf('codSede', datore.codSede),
          ...leaf('giornataLavorata', a.giornataLavorata),
          ...leaf('trauma', a.trauma),
          ...leaf('agevolazioni', a.agevolazioni),
          ...leaf('tipoRicovero', a.tipoRicovero),
          lavoratoreElement(record.lavoratore),
          {
            name: 'reperibilita',
            children: [
              ...leaf('cognome', r.cognome),
              {
                name: 'indirizzo',
                children: [
                  ...leaf('via', i.via),
                  ...leaf('civico', i.civico),
                  ...leaf('cap', i.cap),
                  ...leaf('comune', i.comune),
                  ...leaf('provincia', i.provincia),
                ],
              },
            ],
          },
        ],
      };
    }
    case 'annullamento':
      return { name: 'annullamento', children: [...leaf('idCertificato', record.idCertificato), lavoratoreElement(record.lavoratore)] };
    case 'ricovero':
      return {
        name: 'ricovero',
        children: [
          ...leaf('idInizioRicovero', record.ricovero.idInizioRicovero),
          ...leaf('dataRicovero', record.ricovero.dataRicovero),
          lavoratoreElement(record.lavoratore),
        ],
      };
    case 'dimissioni': {
      const d = record.dimissioni;
      return {
        name: 'dimissioni',
        children: [
          ...leaf('idDimissioni', d.idDimissioni),
          ...leaf('dataRicovero', d.dataRicovero),
          ...leaf('dataDimissioni', d.dataDimissioni),
          ...leaf('agevolazioni', d.agevolazioni),
          lavoratoreElement(record.lavoratore),
        ],
      };
    }
  }
}
