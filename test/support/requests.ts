/**
 * Request envelopes as a vendor's software would write them: payload root in
 * the cert namespace with a prefix, children unqualified.
 */
import { escapeXml } from '../../src/soap/xmlWriter.js';

export type Fields = { [name: string]: string | Fields | undefined };

/** Fields as XML elements, in order, text escaped (undefined fields left out). */
export function fieldsXml(fields: Fields): string {
  let out = '';
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    out += typeof value === 'string' ? `<${name}>${escapeXml(value)}</${name}>` : `<${name}>${fieldsXml(value)}</${name}>`;
  }
  return out;
}

export function envelope(rootElement: string, fields: Fields, options: { encoding?: string; declaration?: boolean } = {}): string {
  const declaration = options.declaration === false ? '' : `<?xml version="1.0" encoding="${options.encoding ?? 'UTF-8'}"?>\n`;
  return (
    `${declaration}<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cert="http://cert.sanita.finanze.it/">` +
    `<soapenv:Header/><soapenv:Body><cert:${rootElement}>${fieldsXml(fields)}</cert:${rootElement}></soapenv:Body></soapenv:Envelope>`
  );
}

export interface InvioOptions {
  medico: Fields;
  lavoratore?: string;
  residenza?: Fields;
  reperibilita?: Fields;
  malattia?: Fields;
  diagnosi?: Fields;
}

export function defaultResidenza(): Fields {
  return { via: 'Via Nazionale', civico: '10', cap: '00184', codiceCatastale: 'H501', comune: 'Roma', provincia: 'RM' };
}

/** A certificate issued today (Europe/Rome day given), valid unless overridden. */
export function invioMalattia(today: string, o: InvioOptions): Fields {
  return {
    medico: o.medico,
    lavoratore: { codiceFiscale: o.lavoratore ?? 'RSSMRA80A01H501U' },
    residenza: o.residenza ?? defaultResidenza(),
    reperibilita: o.reperibilita,
    malattia: {
      ruoloMedico: 'S',
      dataRilascio: today,
      dataInizio: today,
      dataFine: today,
      visita: 'A',
      tipoCertificato: 'I',
      diagnosi: o.diagnosi ?? { codiceDiagnosi: '487.1', noteDiagnosi: 'Sindrome influenzale' },
      ...o.malattia,
    },
  };
}

export interface InvioDimissioneOptions {
  medico: Fields;
  idInizioRicovero: string;
  /** The admission's day, repeated in the discharge. */
  dataRicovero: string;
  dataFine: string;
  lavoratore?: string;
  residenza?: Fields;
  reperibilita?: Fields;
  /** Fields of dimissione over the defaults. */
  dimissione?: Fields;
}

/** A discharge certificate issued today (Europe/Rome day given) for an admission, valid unless overridden. */
export function invioDimissione(today: string, o: InvioDimissioneOptions): Fields {
  return {
    medico: o.medico,
    lavoratore: { codiceFiscale: o.lavoratore ?? 'RSSMRA80A01H501U' },
    idInizioRicovero: o.idInizioRicovero,
    residenza: o.residenza ?? defaultResidenza(),
    reperibilita: o.reperibilita,
    dimissione: {
      ruoloMedico: 'S',
      dataRicovero: o.dataRicovero,
      dataDimissione: today,
      dataFine: o.dataFine,
      tipoCertificato: 'I',
      tipoRicovero: 'R',
      diagnosi: { codiceDiagnosi: '486', noteDiagnosi: 'Polmonite' },
      // Absent unless given, but placed: an override lands in the contract's order.
      giornataLavorata: undefined,
      trauma: undefined,
      ...o.dimissione,
    },
  };
}
