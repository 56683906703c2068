/**
 * One line of an employment file (rapporti di lavoro) checked and turned into
 * an Employment, or the reason it is refused, in Italian for the payroll or
 * INPS office that reads the report:
 *   - codiceFiscaleLavoratore: a worker's codice fiscale as the contract takes
 *     it (16 characters with the right check character and a possible birth
 *     date, or 11 digits if provisional);
 *   - codFiscAzienda: the company's codice fiscale, 11 digits with the right
 *     check digit (the names of the attestati export: codFiscAzienda,
 *     matricolaInps, codSede);
 *   - ragioneSociale: 2 to 150 characters, all of them in ISO-8859-1 (the
 *     attestati export is written in it);
 *   - matricolaInps: the company's 10-digit INPS number; codSede: the INPS
 *     office, 4 digits;
 *   - dataInizio, dataFine: AAAA-MM-GG or GG/MM/AAAA, from 1900 to 2100;
 *     dataFine empty while the employment lasts, else not before dataInizio.
 */
import { checkCodiceFiscale } from '../domain/codiceFiscale.js';
import { checkCodiceFiscaleAzienda } from '../domain/codiceFiscaleAzienda.js';
import { isoDay } from '../registry/personRow.js';
import type { Employment } from '../store/port.js';

export const EMPLOYMENT_COLUMNS = [
  'codiceFiscaleLavoratore',
  'codFiscAzienda',
  'ragioneSociale',
  'matricolaInps',
  'codSede',
  'dataInizio',
  'dataFine',
] as const;
type Column = (typeof EMPLOYMENT_COLUMNS)[number];

/** Where each column is in a line, read from the header. */
export type EmploymentColumns = Readonly<Record<Column, number>> & { readonly width: number; readonly ignored: readonly string[] };

/** Header names compared without case, spaces, underscores or hyphens: codFiscAzienda, COD_FISC_AZIENDA and "Cod fisc azienda" agree. */
function headerKey(name: string): string {
  return name.trim().toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function employmentColumns(header: readonly string[]): EmploymentColumns | { readonly error: string } {
  const at = new Map<string, number>();
  const ignored: string[] = [];
  const known = new Map(EMPLOYMENT_COLUMNS.map((c) => [headerKey(c), c] as const));
  header.forEach((name, i) => {
    const column = known.get(headerKey(name));
    if (column === undefined) ignored.push(name.trim());
    else if (at.has(column)) at.set(column, -1);
    else at.set(column, i);
  });
  const duplicated = EMPLOYMENT_COLUMNS.filter((c) => at.get(c) === -1);
  if (duplicated.length > 0) return { error: `colonne ripetute nell'intestazione: ${duplicated.join(', ')}` };
  const missing = EMPLOYMENT_COLUMNS.filter((c) => !at.has(c));
  if (missing.length > 0) {
    return { error: `mancano nell'intestazione le colonne ${missing.join(', ')} (servono ${EMPLOYMENT_COLUMNS.join(', ')})` };
  }
  return { ...(Object.fromEntries(at) as Record<Column, number>), width: header.length, ignored };
}

const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/;
/** Printable ISO-8859-1: what the attestati export can carry. */
const LATIN1_RE = /^[\u0020-\u007e\u00a0-\u00ff]+$/;
const MATRICOLA_RE = /^[0-9]{10}$/;
const SEDE_RE = /^[0-9]{4}$/;
export const RAGIONE_SOCIALE_MAX = 150;
const FIRST_DAY = '1900-01-01';
const LAST_DAY = '2100-12-31';

const WORKER_CF_REASONS = {
  formato: 'codiceFiscaleLavoratore: formato non valido (16 caratteri, o 11 cifre se provvisorio)',
  carattere_controllo: 'codiceFiscaleLavoratore: carattere di controllo errato',
  data_nascita: 'codiceFiscaleLavoratore: data di nascita impossibile',
} as const;

const COMPANY_CF_REASONS = {
  formato: 'codFiscAzienda: formato non valido (11 cifre)',
  carattere_controllo: 'codFiscAzienda: cifra di controllo errata',
} as const;

function day(label: string, value: string): { day: string } | { reason: string } {
  const iso = isoDay(value);
  if (!iso) return { reason: `${label}: non è una data (AAAA-MM-GG o GG/MM/AAAA)` };
  if (iso < FIRST_DAY || iso > LAST_DAY) return { reason: `${label}: fuori dall'intervallo ${FIRST_DAY} … ${LAST_DAY}` };
  return { day: iso };
}

/** A line's fields as an Employment, or why not. */
export function employmentFromFields(fields: readonly string[], columns: EmploymentColumns): { employment: Employment } | { reason: string } {
  if (fields.length !== columns.width) return { reason: `${fields.length} campi invece di ${columns.width}` };
  if (fields.some((f) => CONTROL_RE.test(f))) return { reason: 'caratteri di controllo in un campo' };
  const get = (c: Column) => fields[columns[c]]!.trim();
  const workerCf = get('codiceFiscaleLavoratore').toUpperCase();
  const worker = checkCodiceFiscale(workerCf);
  if (!worker.ok) return { reason: WORKER_CF_REASONS[worker.reason] };
  const employerCf = get('codFiscAzienda');
  const company = checkCodiceFiscaleAzienda(employerCf);
  if (!company.ok) return { reason: COMPANY_CF_REASONS[company.reason] };
  const ragioneSociale = get('ragioneSociale').replace(/\s+/g, ' ');
  if (ragioneSociale.length < 2) return { reason: 'ragioneSociale: almeno 2 caratteri' };
  if (ragioneSociale.length > RAGIONE_SOCIALE_MAX) return { reason: `ragioneSociale: più di ${RAGIONE_SOCIALE_MAX} caratteri` };
  if (!LATIN1_RE.test(ragioneSociale)) return { reason: 'ragioneSociale: caratteri fuori da ISO-8859-1 (lettere accentate italiane ammesse)' };
  const matricolaInps = get('matricolaInps');
  if (!MATRICOLA_RE.test(matricolaInps)) return { reason: 'matricolaInps: 10 cifre' };
  const codSede = get('codSede');
  if (!SEDE_RE.test(codSede)) return { reason: 'codSede: 4 cifre' };
  const from = day('dataInizio', get('dataInizio'));
  if ('reason' in from) return from;
  const rawTo = get('dataFine');
  let to: string | null = null;
  if (rawTo !== '') {
    const end = day('dataFine', rawTo);
    if ('reason' in end) return end;
    if (end.day < from.day) return { reason: `dataFine ${end.day} precede dataInizio ${from.day}` };
    to = end.day;
  }
  return { employment: { workerCf, employerCf, ragioneSociale, matricolaInps, codSede, from: from.day, to } };
}
