/**
 * The INPS side's reads, for every channel (the AttestatiMalattia SOAP
 * service, the HTTP export and printed copies): one document by its protocol
 * number, a worker's own documents, an employer's records over a period, and
 * a printed form. Each read decides entitlement (entitlement.ts) and writes
 * the access journal before anything is answered: no journal, no data.
 *
 * A reader who may not see a document is answered exactly as if it did not
 * exist (same outcome, same work: a refused or missing look-up is journaled
 * without being awaited, either way).
 */
import { GatewayError } from '../errors.js';
import type { PrintableForm } from '../print/model.js';
import { attestatoFrom, certificatoFrom, ricoveroFrom } from '../print/fromStore.js';
import type { Allegato } from '../print/model.js';
import type {
  CertificateRecord,
  AdmissionStore,
  CertificateStore,
  Employment,
  EmploymentRegistry,
  JournalSubjectKind,
  PersonRegistry,
  RicoveroRecord,
  Successor,
} from '../store/port.js';
import { successorOf } from '../store/port.js';
import { absenceDays, documentId, entitledForms, formsOf, type InpsDocument, type InpsReader } from './entitlement.js';
import { lavoratoreOf, type EmployerRef, type Lavoratore } from './attestato.js';
import { inPeriod, recordsOfCertificate, recordsOfRicovero, type ExportHeader, type ExportRecord } from './exportRecords.js';

/** What the INPS side reads. The SQLite store is all three. */
export interface InpsSources {
  readonly store: Pick<CertificateStore, 'getCertificate' | 'getRectificationOf' | 'certificatesOfWorker' | 'certificatesForEmployer'> &
    Pick<AdmissionStore, 'getRicovero' | 'ricoveriOfWorker' | 'ricoveriForEmployer'>;
  readonly registry: Pick<PersonRegistry, 'findPerson'>;
  readonly employment: Pick<EmploymentRegistry, 'employs' | 'workersOf'>;
}

/** The access journal bound to one request (src/sac/journal.ts's RequestJournal is one). */
export interface ReadJournal {
  /** Resolves once the entries are committed: await it before answering. */
  read(kind: JournalSubjectKind, ids: readonly string[]): Promise<void>;
  /** A refused or missing look-up: recorded without delaying the answer. */
  denied(kind: JournalSubjectKind, id: string): void;
}

/** More documents for one worker than any real one has (a bound on one read's memory). */
export const MAX_DOCUMENTS_PER_WORKER = 5_000;

/** The most documents one export reads (a bound on one request's memory: about 2 KB each). */
export const MAX_DOCUMENTS_PER_EXPORT = 100_000;

/** The longest period an export or a list covers, in days (inclusive of both ends). */
export const MAX_PERIOD_DAYS = 366;

/** A read would exceed a bound of the INPS side (a period too long, a worker with too many documents). */
export class InpsLimitError extends GatewayError {
  readonly name = 'InpsLimitError';
  readonly code = 'SAC_INPS_LIMIT';

  /** @param massimo the bound exceeded (documents, or days for a period) */
  constructor(
    message: string,
    readonly massimo: number,
  ) {
    super(message);
  }
}

/** A document the reader may see, with the forms they may get (the full one first). */
export interface Entitled {
  readonly doc: InpsDocument;
  readonly forms: readonly Allegato[];
  /** A rectified certificate's current rectification and end (src/store/port.ts successorOf). */
  readonly successor?: Successor;
}

function journalKind(doc: InpsDocument): JournalSubjectKind {
  return doc.tipo === 'certificato' ? 'certificato' : 'ricovero';
}

/** Days between two YYYY-MM-DD dates, inclusive of both (UTC arithmetic: whole days). */
export function periodDays(dal: string, al: string): number {
  return Math.round((Date.parse(`${al}T00:00:00Z`) - Date.parse(`${dal}T00:00:00Z`)) / 86_400_000) + 1;
}

export class InpsConsultation {
  constructor(private readonly sources: InpsSources) {}

  /**
   * The documents a protocol number names (a PUC and a PUCIR live in two
   * tables: in the rare case both exist, both are candidates).
   */
  private async candidates(id: string): Promise<InpsDocument[]> {
    const out: InpsDocument[] = [];
    const certificate = await this.sources.store.getCertificate(id);
    if (certificate) out.push({ tipo: 'certificato', record: certificate });
    const ricovero = await this.sources.store.getRicovero(id);
    if (ricovero) out.push({ tipo: 'ricovero', record: ricovero });
    return out;
  }

  /**
   * One document by its protocol number, if `reader` may see it: journaled
   * as read (awaited) when found; otherwise journaled as refused (not
   * awaited) whether or not it exists, and undefined.
   */
  async lookUp(reader: InpsReader, id: string, journal: ReadJournal): Promise<Entitled | undefined> {
    for (const doc of await this.candidates(id)) {
      const forms = await entitledForms(reader, doc, (e, w, from, to) => this.sources.employment.employs(e, w, from, to));
      if (forms.length > 0) {
        await journal.read(journalKind(doc), [id]);
        const successor = doc.tipo === 'certificato' ? (await successorOf(doc.record, (c) => this.sources.store.getRectificationOf(c))) : undefined;
        return successor ? { doc, forms, successor } : { doc, forms };
      }
    }
    journal.denied('certificato', id);
    return undefined;
  }

  /**
   * A worker's own documents (certificates with the diagnosis, and admissions), oldest reception first.
   * With `period`, only those whose absence (absenceDays) touches one of its days (either end may be
   * open): only what is answered is journaled.
   */
  async workerDocuments(
    workerCf: string,
    journal: ReadJournal,
    period: { readonly dal?: string | undefined; readonly al?: string | undefined } = {},
  ): Promise<{ certificati: CertificateRecord[]; ricoveri: RicoveroRecord[] }> {
    let certificati = await this.sources.store.certificatesOfWorker(workerCf, MAX_DOCUMENTS_PER_WORKER + 1);
    let ricoveri = await this.sources.store.ricoveriOfWorker(workerCf, MAX_DOCUMENTS_PER_WORKER + 1);
    if (certificati.length > MAX_DOCUMENTS_PER_WORKER || ricoveri.length > MAX_DOCUMENTS_PER_WORKER) {
      throw new InpsLimitError(`more than ${MAX_DOCUMENTS_PER_WORKER} documents for one worker`, MAX_DOCUMENTS_PER_WORKER);
    }
    if (period.dal !== undefined || period.al !== undefined) {
      const touches = (doc: InpsDocument): boolean => {
        const days = absenceDays(doc);
        return (period.dal === undefined || days.to >= period.dal) && (period.al === undefined || days.from <= period.al);
      };
      certificati = certificati.filter((record) => touches({ tipo: 'certificato', record }));
      ricoveri = ricoveri.filter((record) => touches({ tipo: 'ricovero', record }));
    }
    await Promise.all([
      journal.read('certificato', certificati.map((c) => c.idCertificato)),
      journal.read('ricovero', ricoveri.map((r) => r.idInizioRicovero)),
    ]);
    return { certificati, ricoveri };
  }

  /**
   * An employer's records received on the days dal..al (inclusive, at most
   * MAX_PERIOD_DAYS): attestati, cancellations, admissions and discharges of
   * its workers, for absences overlapping an employment with it. Unsorted
   * (the renderings sort: exportRecords.ts inDateOrder). Every certificate and
   * admission answered is journaled before it returns.
   */
  async employerRecords(employerCf: string, dal: string, al: string, journal: ReadJournal): Promise<{ header: ExportHeader; records: ExportRecord[] }> {
    const days = periodDays(dal, al);
    if (!(days >= 1 && days <= MAX_PERIOD_DAYS)) throw new InpsLimitError(`period of ${days} days`, MAX_PERIOD_DAYS);
    // Two statements, whatever the number of workers: the store joins the
    // employment registry with the documents received in the period. Every
    // employment the employer ever had counts: a certificate received in the
    // period may be about an absence in an employment that has since ended.
    const certificati = await this.sources.store.certificatesForEmployer(employerCf, dal, al, MAX_DOCUMENTS_PER_EXPORT + 1);
    const ricoveri = await this.sources.store.ricoveriForEmployer(employerCf, dal, al, MAX_DOCUMENTS_PER_EXPORT + 1);
    if (certificati.length + ricoveri.length > MAX_DOCUMENTS_PER_EXPORT) throw new InpsLimitError(`more than ${MAX_DOCUMENTS_PER_EXPORT} documents in one export`, MAX_DOCUMENTS_PER_EXPORT);
    const employments = await this.sources.employment.workersOf(employerCf, '0001-01-01', '9999-12-31');
    const byWorker = new Map<string, Employment[]>();
    for (const e of employments) {
      const list = byWorker.get(e.workerCf);
      if (list) list.push(e);
      else byWorker.set(e.workerCf, [e]);
    }
    const latest = employments.reduce<Employment | undefined>((a, e) => (a === undefined || e.from > a.from ? e : a), undefined);
    const employer: EmployerRef = { codiceFiscale: employerCf, matricolaInps: latest?.matricolaInps ?? '', codSede: latest?.codSede ?? '' };
    const header: ExportHeader = { employer, dal, al };
    const period = { dal, al };
    const records: ExportRecord[] = [];
    const certificateIds: string[] = [];
    const ricoveroIds: string[] = [];
    const names = new Map<string, Lavoratore>();
    const docs: InpsDocument[] = [
      ...certificati.map((record): InpsDocument => ({ tipo: 'certificato', record })),
      ...ricoveri.map((record): InpsDocument => ({ tipo: 'ricovero', record })),
    ];
    for (const doc of docs) {
      const workerCf = doc.record.lavoratoreCf;
      const absence = absenceDays(doc);
      const job = byWorker.get(workerCf)?.find((e) => e.from <= absence.to && (e.to === null || e.to >= absence.from));
      if (job === undefined) continue;
      let lavoratore = names.get(workerCf);
      if (lavoratore === undefined) names.set(workerCf, (lavoratore = await lavoratoreOf(this.sources.registry, workerCf)));
      const events =
        doc.tipo === 'certificato'
          ? recordsOfCertificate(doc.record, lavoratore, sameRef(job, employer) ? undefined : refOf(job))
          : recordsOfRicovero(doc.record, lavoratore);
      const inside = events.filter((r) => inPeriod(r, period));
      if (inside.length === 0) continue;
      records.push(...inside);
      (doc.tipo === 'certificato' ? certificateIds : ricoveroIds).push(documentId(doc));
    }
    await Promise.all([journal.read('certificato', certificateIds), journal.read('ricovero', ricoveroIds)]);
    return { header, records };
  }

  /**
   * A printed form of a document the reader may see: undefined when they may
   * not see the document, 'non_spettante' when they may see it but not this
   * form (an employer asking for the certificato), else the PDF.
   */
  async print(reader: InpsReader, id: string, form: Allegato | undefined, journal: ReadJournal): Promise<{ form: Allegato; pdf: Buffer } | 'non_spettante' | undefined> {
    const found = await this.lookUp(reader, id, journal);
    if (found === undefined) return undefined;
    const chosen = form ?? found.forms[0]!;
    if (!found.forms.includes(chosen)) return 'non_spettante';
    return { form: chosen, pdf: await this.printEntitled(found, chosen) };
  }

  /**
   * The PDF of a form of a document lookUp answered (already journaled), for
   * a caller that must say which forms the reader may get when it asks for
   * another (the SOAP service's 7021). `form` must be one of `found.forms`.
   */
  async printEntitled(found: Entitled, form: Allegato): Promise<Buffer> {
    if (!found.forms.includes(form)) throw new Error(`form ${form} is not among the reader's (${found.forms.join(', ')})`);
    return (await printRenderer())(await this.printable(found.doc, form));
  }

  private async printable(doc: InpsDocument, form: Allegato) {
    const sources = {
      findPerson: (cf: string) => this.sources.registry.findPerson(cf),
      getRicovero: (id: string) => this.sources.store.getRicovero(id),
      getRectificationOf: (id: string) => this.sources.store.getRectificationOf(id),
    };
    if (doc.tipo === 'ricovero') return ricoveroFrom(doc.record, sources);
    return form === formsOf(doc).full ? certificatoFrom(doc.record, sources) : attestatoFrom(doc.record, sources);
  }
}

/**
 * The PDF renderer, loaded on the first print: pdfkit and bwip-js hold ~11 MB of heap once
 * imported (Unicode tables, fonts), which every request process would otherwise carry and scan
 * in each major GC whether or not anyone prints (measured: more GC time on InviaMalattia).
 */
let renderer: Promise<(form: PrintableForm) => Promise<Buffer>> | undefined;
function printRenderer(): Promise<(form: PrintableForm) => Promise<Buffer>> {
  renderer ??= import('../print/render.js').then((m) => m.renderForm);
  return renderer;
}

function refOf(e: Employment): EmployerRef {
  return { codiceFiscale: e.employerCf, matricolaInps: e.matricolaInps, codSede: e.codSede };
}

function sameRef(e: Employment, ref: EmployerRef): boolean {
  return e.matricolaInps === ref.matricolaInps && e.codSede === ref.codSede;
}
