/**
 * What AttestatiMalattia answers, as the writer's objects in the order of
 * xsd/attestati.xsd's sequences. Built from the INPS side's projections
 * (src/inps/attestato.ts: the attestato and the notices by allow-list); only
 * `certificato` adds the doctor and the diagnosis, and it is written only for
 * a reader whose forms include the full one (InpsConsultation decided).
 */
import type { Entitled } from '../inps/consultation.js';
import { attestatoOf, dimissioniOf, ricoveroOf, type AttestatoView, type DimissioniView, type EmployerRef, type IndirizzoView, type Lavoratore, type RicoveroView } from '../inps/attestato.js';
import { formsOf } from '../inps/entitlement.js';
import type { ExportHeader, ExportRecord } from '../inps/exportRecords.js';
import type { OutObject } from '../soap/xmlWriter.js';
import type { CertificateRecord, PersonRegistry, Successor } from '../store/port.js';

/** The worker as answered: the codice fiscale, and the names the registry knows (never written empty). */
export async function lavoratoreOf(registry: Pick<PersonRegistry, 'findPerson'>, codiceFiscale: string): Promise<Lavoratore> {
  const person = await registry.findPerson(codiceFiscale);
  return { codiceFiscale, cognome: person?.cognome ?? '', nome: person?.nome ?? '' };
}

const nonEmpty = (value: string): string | undefined => (value === '' ? undefined : value);

export function lavoratoreOut(l: Lavoratore): OutObject {
  return { codiceFiscale: l.codiceFiscale, cognome: nonEmpty(l.cognome), nome: nonEmpty(l.nome) };
}

export function datoreOut(e: EmployerRef): OutObject {
  return { codFiscAzienda: e.codiceFiscale, matricolaInps: nonEmpty(e.matricolaInps), codSede: nonEmpty(e.codSede) };
}

function indirizzoOut(i: IndirizzoView): OutObject {
  return { via: i.via, civico: i.civico, cap: i.cap, comune: i.comune, provincia: i.provincia };
}

export function attestatoOut(a: AttestatoView): OutObject {
  return {
    tipo: a.kind,
    idCertificato: a.idCertificato,
    idCertificatoRettificato: a.idCertificatoRettificato,
    stato: a.stato,
    idCertificatoRettifica: a.idCertificatoRettifica,
    dataFineRettifica: a.dataFineRettifica,
    dataRicezione: a.dataRicezione,
    tipoCertificato: a.tipoCertificato,
    dataRilascio: a.dataRilascio,
    dataInizio: a.dataInizio,
    dataFine: a.dataFine,
    giornataLavorata: a.giornataLavorata,
    trauma: a.trauma,
    agevolazioni: a.agevolazioni,
    tipoRicovero: a.tipoRicovero,
    idInizioRicovero: a.idInizioRicovero,
    dataRicovero: a.dataRicovero,
    dataDimissioni: a.dataDimissioni,
    residenza: indirizzoOut(a.residenza),
    reperibilita: { cognome: a.reperibilita.cognome, indirizzo: indirizzoOut(a.reperibilita.indirizzo), daResidenza: a.reperibilita.daResidenza },
    idAnnullamento: a.idAnnullamento,
    dataAnnullamento: a.dataAnnullamento,
  };
}

/** The full certificate (A, C): the attestato, then the doctor and the diagnosis. Only for a reader entitled to the full form. */
export function certificatoOut(record: CertificateRecord, successor?: Successor): OutObject {
  const diagnosi = record.document.malattia?.diagnosi ?? record.document.dimissione?.diagnosi ?? {};
  return {
    ...attestatoOut(attestatoOf(record, successor)),
    codiceFiscaleMedico: record.medicoCf,
    diagnosi: { codiceDiagnosi: diagnosi.codiceDiagnosi, noteDiagnosi: diagnosi.noteDiagnosi },
  };
}

export function ricoveroOut(r: RicoveroView): OutObject {
  return {
    idInizioRicovero: r.idInizioRicovero,
    stato: r.stato,
    dataRicezione: r.dataRicezione,
    dataRicovero: r.dataRicovero,
    giornataLavorata: r.giornataLavorata,
    trauma: r.trauma,
    idAnnullamento: r.idAnnullamento,
    dataAnnullamento: r.dataAnnullamento,
  };
}

export function dimissioniOut(d: DimissioniView): OutObject {
  return {
    idDimissioni: d.idDimissioni,
    idInizioRicovero: d.idInizioRicovero,
    stato: d.stato,
    dataRicezione: d.dataRicezione,
    dataRicovero: d.dataRicovero,
    dataDimissioni: d.dataDimissioni,
    tipoRicovero: d.tipoRicovero,
    agevolazioni: d.agevolazioni,
  };
}

/**
 * One document as its reader may see it (type att:documento): the full
 * certificate when the reader's forms include the full one, else the
 * attestato; an admission's notice; a discharge certificate's notice too.
 */
export function documentoOut(found: Entitled, lavoratore: Lavoratore): OutObject {
  const { doc, forms } = found;
  if (doc.tipo === 'ricovero') {
    return { lavoratore: lavoratoreOut(lavoratore), ricovero: ricoveroOut(ricoveroOf(doc.record)), allegatoDisponibile: forms };
  }
  const full = forms.includes(formsOf(doc).full);
  const dimissioni = dimissioniOf(doc.record);
  return {
    lavoratore: lavoratoreOut(lavoratore),
    ...(full ? { certificato: certificatoOut(doc.record, found.successor) } : { attestato: attestatoOut(attestatoOf(doc.record, found.successor)) }),
    dimissioni: dimissioni && dimissioniOut(dimissioni),
    allegatoDisponibile: forms,
  };
}

/** One record of an employer's list (type att:voce). */
export function voceOut(record: ExportRecord): OutObject {
  const head = { lavoratore: lavoratoreOut(record.lavoratore) };
  switch (record.tipo) {
    case 'attestato':
      return { ...head, datore: record.datore && datoreOut(record.datore), attestato: attestatoOut(record.attestato) };
    case 'annullamento':
      return { ...head, annullamento: { idCertificato: record.idCertificato, dataAnnullamento: record.at } };
    case 'ricovero':
      return { ...head, ricovero: ricoveroOut(record.ricovero) };
    case 'dimissioni':
      return { ...head, dimissioni: dimissioniOut(record.dimissioni) };
  }
}

/** The employer's list (type att:elencoDatore), records already in date order. */
export function elencoDatoreOut(header: ExportHeader, records: readonly ExportRecord[]): OutObject {
  return { datore: datoreOut(header.employer), dal: header.dal, al: header.al, numeroDocumenti: records.length, voce: records.map(voceOut) };
}
