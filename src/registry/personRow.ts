/**
 * One line of a registry file (anagrafica degli assistiti) checked and turned
 * into a Person, or the reason it is refused, in Italian for the regional
 * office that reads the report. A stored person is returned in answers as the
 * contract's `anagrafica`, so what is stored must fit its types: names of
 * letters, spaces and apostrophes (an accented letter becomes the letter and
 * an apostrophe, as the Agenzia delle Entrate writes NICOLO'), at most 24
 * (surname) and 20 (name) characters, comune at most 25, provincia two
 * letters (EE abroad). The codice fiscale must be valid (check character)
 * and, for a personal code, agree with sex, birth date and birth place.
 */
import { checkCodiceFiscale, decodeOmocodia, MONTH_LETTERS } from '../domain/codiceFiscale.js';
import { comuneMatches, findComune, COMUNE_MAX_LENGTH } from '../domain/comuni.js';
import { isCalendarDate } from '../domain/dates.js';
import type { Person } from '../store/port.js';
import { contractName, personNameProblem } from '../domain/personName.js';

export const PERSON_COLUMNS = ['codiceFiscale', 'cognome', 'nome', 'sesso', 'dataNascita', 'comuneNascita', 'provinciaNascita'] as const;
type Column = (typeof PERSON_COLUMNS)[number];

/** Where each column is in a line, read from the header. */
export type ColumnMap = Readonly<Record<Column, number>> & { readonly width: number; readonly ignored: readonly string[] };

/** Header names compared without case, spaces, underscores or hyphens: codiceFiscale, CODICE_FISCALE and "Codice fiscale" agree. */
function headerKey(name: string): string {
  return name.trim().toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function columnMap(header: readonly string[]): ColumnMap | { readonly error: string } {
  const at = new Map<string, number>();
  const ignored: string[] = [];
  const known = new Map(PERSON_COLUMNS.map((c) => [headerKey(c), c] as const));
  header.forEach((name, i) => {
    const column = known.get(headerKey(name));
    if (column === undefined) ignored.push(name.trim());
    else if (at.has(column)) at.set(column, -1);
    else at.set(column, i);
  });
  const duplicated = PERSON_COLUMNS.filter((c) => at.get(c) === -1);
  if (duplicated.length > 0) return { error: `colonne ripetute nell'intestazione: ${duplicated.join(', ')}` };
  const missing = PERSON_COLUMNS.filter((c) => !at.has(c));
  if (missing.length > 0) {
    return { error: `mancano nell'intestazione le colonne ${missing.join(', ')} (servono ${PERSON_COLUMNS.join(', ')})` };
  }
  return { ...(Object.fromEntries(at) as Record<Column, number>), width: header.length, ignored };
}

const PROVINCIA_RE = /^[A-Z]{2}$/;
const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const IT_DATE_RE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const FIRST_BIRTH_DAY = '1900-01-01';
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/;

/** YYYY-MM-DD from YYYY-MM-DD or GG/MM/AAAA, or undefined when not a calendar day. */
export function isoDay(value: string): string | undefined {
  const it = IT_DATE_RE.exec(value);
  const day = it ? `${it[3]}-${it[2]!.padStart(2, '0')}-${it[1]!.padStart(2, '0')}` : value;
  return ISO_DATE_RE.test(day) && isCalendarDate(day) ? day : undefined;
}

const CF_REASONS = {
  formato: 'codice fiscale: formato non valido (16 caratteri, o 11 cifre se provvisorio)',
  carattere_controllo: 'codice fiscale: carattere di controllo errato',
  data_nascita: 'codice fiscale: data di nascita impossibile',
} as const;

/** Sex and birth day encoded in a personal code, compared with the line's (the century is not encoded). */
function coherenceProblem(cf: string, person: Omit<Person, 'codiceFiscale'>): string | undefined {
  const plain = decodeOmocodia(cf);
  const dayCode = Number(plain.slice(9, 11));
  const sesso = dayCode > 40 ? 'F' : 'M';
  if (sesso !== person.sesso) return `sesso ${person.sesso} diverso da quello del codice fiscale (${sesso})`;
  const [y, m, d] = person.dataNascita.split('-');
  const expected = `${y!.slice(2)}${MONTH_LETTERS.charAt(Number(m) - 1)}${d}`;
  const encoded = `${plain.slice(6, 9)}${String(sesso === 'F' ? dayCode - 40 : dayCode).padStart(2, '0')}`;
  if (expected !== encoded) return `data di nascita ${person.dataNascita} diversa da quella del codice fiscale`;
  const belfiore = plain.slice(11, 15);
  // Only a code the table knows can be compared; an unknown one is not held against the line.
  const known = findComune(belfiore);
  if (known && !comuneMatches(belfiore, person.comuneNascita, person.provinciaNascita)) {
    return `luogo di nascita ${person.comuneNascita} (${person.provinciaNascita}) diverso da quello del codice fiscale (${belfiore}: ${known.nome} (${known.provincia}))`;
  }
  return undefined;
}

/**
 * A line's fields as a Person, or why not. `today` (YYYY-MM-DD) bounds the
 * birth date.
 */
export function personFromFields(fields: readonly string[], columns: ColumnMap, today: string): { person: Person } | { reason: string } {
  if (fields.length !== columns.width) return { reason: `${fields.length} campi invece di ${columns.width}` };
  const get = (c: Column) => fields[columns[c]]!.trim();
  if (fields.some((f) => CONTROL_RE.test(f))) return { reason: 'caratteri di controllo in un campo' };
  const codiceFiscale = get('codiceFiscale').toUpperCase();
  const check = checkCodiceFiscale(codiceFiscale);
  if (!check.ok) return { reason: CF_REASONS[check.reason] };
  const cognome = contractName(get('cognome'));
  const nome = contractName(get('nome'));
  const problem = personNameProblem({ cognome, nome });
  if (problem) return { reason: problem };
  const sesso = get('sesso').toUpperCase();
  if (sesso !== 'M' && sesso !== 'F') return { reason: 'sesso: M o F' };
  const dataNascita = isoDay(get('dataNascita'));
  if (!dataNascita) return { reason: 'dataNascita: non è una data (AAAA-MM-GG o GG/MM/AAAA)' };
  if (dataNascita < FIRST_BIRTH_DAY || dataNascita > today) return { reason: `dataNascita: fuori dall'intervallo ${FIRST_BIRTH_DAY} … ${today}` };
  const comuneNascita = get('comuneNascita').replace(/\s+/g, ' ');
  if (comuneNascita === '') return { reason: 'comuneNascita: vuoto' };
  if (comuneNascita.length > COMUNE_MAX_LENGTH) return { reason: `comuneNascita: più di ${COMUNE_MAX_LENGTH} caratteri` };
  const provinciaNascita = get('provinciaNascita').toUpperCase();
  if (!PROVINCIA_RE.test(provinciaNascita)) return { reason: 'provinciaNascita: due lettere (EE per l\'estero)' };
  const person = { codiceFiscale, cognome, nome, sesso, dataNascita, comuneNascita, provinciaNascita } as const;
  if (check.kind === 'personale') {
    const incoherent = coherenceProblem(codiceFiscale, person);
    if (incoherent) return { reason: incoherent };
  }
  return { person };
}
