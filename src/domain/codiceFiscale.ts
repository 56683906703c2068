/**
 * Italian codice fiscale: validation, decoding, construction and a generator of
 * synthetic persons for tests, seeds and benchmarks.
 *
 * Two kinds are accepted, as in the contract's `codiceFiscaleEsteso`:
 * - personale: the 16-character code of a natural person (DM 23/12/1976), with
 *   omocodia substitutions;
 * - provvisorio: 11 digits with the check digit used for partita IVA and
 *   numeric codici fiscali.
 * Only uppercase is accepted: the XSD patterns are `[A-Z]...`, so a lowercase
 * code has already failed schema validation and must not pass here either.
 */

export type CfCheck =
  | { ok: true; kind: 'personale' | 'provvisorio' }
  | { ok: false; reason: 'formato' | 'carattere_controllo' | 'data_nascita' };

export type Sesso = 'M' | 'F';

export interface DecodedCf {
  sesso: Sesso;
  /** YYYY-MM-DD; the century is a guess (see decodeCodiceFiscale). */
  dataNascita: string;
  /** Belfiore code with omocodia undone, e.g. H501. */
  codiceCatastale: string;
}

export interface CfInput {
  cognome: string;
  nome: string;
  sesso: Sesso;
  /** YYYY-MM-DD */
  dataNascita: string;
  /** Belfiore code, e.g. H501 (case-insensitive). */
  codiceCatastale: string;
}

export interface Person {
  codiceFiscale: string;
  cognome: string;
  nome: string;
  sesso: Sesso;
  dataNascita: string;
  comuneNascita: string;
  provinciaNascita: string;
}

/** Month letters in calendar order (A = January ... T = December). */
export const MONTH_LETTERS = 'ABCDEHLMPRST';
/** Letters standing for the digits 0-9 in an omocode. */
export const OMOCODIA_LETTERS = 'LMNPQRSTUV';
/** 0-based indexes of the digit positions, in the order omocodia replaces them (rightmost first). */
const OMOCODIA_POSITIONS = [14, 13, 12, 10, 9, 7, 6] as const;

// Values of a character in an odd (1st, 3rd, ...) position; digits share the
// value of the letter with the same index (0 = A, 1 = B, ...).
const ODD_VALUES = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];

/** Index 0-25 of a digit or uppercase letter (digits map like A-J), -1 otherwise. */
function charIndex(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 90) return code - 65;
  return -1;
}

function oddValue(code: number): number {
  return ODD_VALUES[charIndex(code)] ?? 0;
}

function evenValue(code: number): number {
  return charIndex(code);
}

/** Check character of the first 15 characters of a personal code (uppercase A-Z/0-9 assumed). */
export function checkCharacter(first15: string): string {
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const c = first15.charCodeAt(i);
    // Position i is 0-based, so even i is an odd (1-based) position.
    sum += i % 2 === 0 ? oddValue(c) : evenValue(c);
  }
  return String.fromCharCode(65 + (sum % 26));
}

// Positions 7-8, 10-11 and 13-15 hold digits or their omocodia letters.
const PERSONALE_RE = /^[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/;
const PROVVISORIO_RE = /^[0-9]{11}$/;

/** Replaces omocodia letters with the digits they stand for, at the digit positions only. */
export function decodeOmocodia(cf: string): string {
  const chars = cf.split('');
  for (const p of OMOCODIA_POSITIONS) {
    const c = chars[p];
    if (c === undefined) continue;
    const d = OMOCODIA_LETTERS.indexOf(c);
    if (d >= 0) chars[p] = String(d);
  }
  return chars.join('');
}

/**
 * The omocode of a valid code at the given level (1-7): the `level` rightmost
 * digit positions turned into letters, check character recomputed. This is what
 * the Agenzia delle Entrate assigns to the second, third... person who would
 * otherwise get the same code.
 */
export function applyOmocodia(cf: string, level: number): string {
  if (!Number.isInteger(level) || level < 0 || level > OMOCODIA_POSITIONS.length) {
    throw new RangeError(`omocodia level must be 0-${OMOCODIA_POSITIONS.length}`);
  }
  const chars = decodeOmocodia(cf).slice(0, 15).split('');
  for (let k = 0; k < level; k++) {
    const p = OMOCODIA_POSITIONS[k] as number;
    chars[p] = OMOCODIA_LETTERS[Number(chars[p])] as string;
  }
  const first15 = chars.join('');
  return first15 + checkCharacter(first15);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Luhn-style check used by partita IVA / numeric codice fiscale (11 digits). */
function provvisorioCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    const d = digits.charCodeAt(i) - 48;
    if (i % 2 === 0) {
      sum += d;
    } else {
      const x = d * 2;
      sum += x > 9 ? x - 9 : x;
    }
  }
  return (10 - (sum % 10)) % 10;
}

/**
 * Validates a codice fiscale. Checks run in this order: shape, check
 * character, then the birth date. The check character comes before the date
 * because a typo in the day digits breaks both, and "wrong check character"
 * is the more useful message for a typo.
 * A 29 February is accepted when the two-digit year is a multiple of 4: the
 * century is unknown (00 may be 1900 or 2000).
 */
export function checkCodiceFiscale(cf: string): CfCheck {
  if (cf.length === 11) {
    if (!PROVVISORIO_RE.test(cf)) return { ok: false, reason: 'formato' };
    return provvisorioCheckDigit(cf) === cf.charCodeAt(10) - 48
      ? { ok: true, kind: 'provvisorio' }
      : { ok: false, reason: 'carattere_controllo' };
  }
  if (cf.length !== 16 || !PERSONALE_RE.test(cf)) return { ok: false, reason: 'formato' };
  if (checkCharacter(cf) !== cf[15]) return { ok: false, reason: 'carattere_controllo' };
  return birthParts(decodeOmocodia(cf)) ? { ok: true, kind: 'personale' } : { ok: false, reason: 'data_nascita' };
}

/** Year (2 digits), month and day of a de-omocoded personal code, or undefined if not a date. */
function birthParts(plain: string): { yy: number; month: number; day: number; sesso: Sesso } | undefined {
  const yy = Number(plain.slice(6, 8));
  const month = MONTH_LETTERS.indexOf(plain.charAt(8)) + 1;
  let day = Number(plain.slice(9, 11));
  if (month === 0) return undefined;
  let sesso: Sesso = 'M';
  if (day > 40) {
    sesso = 'F';
    day -= 40;
  }
  // 2000 stands for "some year ending in yy that is leap when yy % 4 === 0".
  const leapProbe = yy % 4 === 0 ? 2000 : 2001;
  if (day < 1 || day > daysInMonth(leapProbe, month)) return undefined;
  return { yy, month, day, sesso };
}

/**
 * Sex, birth date and birth place of a valid personal code; undefined for
 * anything else (including provvisorio codes, which encode none of these).
 * The century is guessed: a two-digit year not after the current one (in
 * `now`, UTC) is taken as 20yy, otherwise 19yy. Pass `now` to make it
 * deterministic.
 */
export function decodeCodiceFiscale(cf: string, now: Date = new Date()): DecodedCf | undefined {
  const check = checkCodiceFiscale(cf);
  if (!check.ok || check.kind !== 'personale') return undefined;
  const plain = decodeOmocodia(cf);
  const parts = birthParts(plain);
  if (!parts) return undefined;
  const currentYy = now.getUTCFullYear() % 100;
  const year = (parts.yy <= currentYy ? 2000 : 1900) + parts.yy;
  // 29 February of 1900 does not exist; only possible with yy = 00 guessed as 1900.
  if (parts.day > daysInMonth(year, parts.month)) return undefined;
  return {
    sesso: parts.sesso,
    dataNascita: `${year}-${pad2(parts.month)}-${pad2(parts.day)}`,
    codiceCatastale: plain.slice(11, 15),
  };
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

const VOWELS = new Set(['A', 'E', 'I', 'O', 'U']);

/** Uppercase A-Z letters only: accents folded, spaces, apostrophes and anything else dropped. */
function lettersOf(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toUpperCase().replace(/[^A-Z]/g, '');
}

function splitLetters(s: string): { consonants: string; vowels: string } {
  let consonants = '';
  let vowels = '';
  for (const ch of lettersOf(s)) {
    if (VOWELS.has(ch)) vowels += ch;
    else consonants += ch;
  }
  return { consonants, vowels };
}

/** Three letters for the surname: consonants, then vowels, then X padding. */
export function surnameCode(cognome: string): string {
  const { consonants, vowels } = splitLetters(cognome);
  return `${consonants}${vowels}XXX`.slice(0, 3);
}

/** Three letters for the given name: with 4+ consonants the 1st, 3rd and 4th; otherwise as for surnames. */
export function nameCode(nome: string): string {
  const { consonants, vowels } = splitLetters(nome);
  if (consonants.length >= 4) return `${consonants[0]}${consonants[2]}${consonants[3]}`;
  return `${consonants}${vowels}XXX`.slice(0, 3);
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const CATASTALE_RE = /^[A-Z]\d{3}$/;

/**
 * Computes the codice fiscale of a person (the base code, without omocodia).
 * Throws RangeError on an invalid date, sex or Belfiore code, or a name
 * without letters.
 */
export function buildCodiceFiscale(p: CfInput): string {
  const m = DATE_RE.exec(p.dataNascita);
  const year = Number(m?.[1]);
  const month = Number(m?.[2]);
  const day = Number(m?.[3]);
  if (!m || year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new RangeError(`invalid dataNascita: ${p.dataNascita}`);
  }
  if (p.sesso !== 'M' && p.sesso !== 'F') throw new RangeError(`invalid sesso: ${String(p.sesso)}`);
  const catastale = p.codiceCatastale.toUpperCase();
  if (!CATASTALE_RE.test(catastale)) throw new RangeError(`invalid codiceCatastale: ${p.codiceCatastale}`);
  if (lettersOf(p.cognome) === '' || lettersOf(p.nome) === '') throw new RangeError('cognome and nome need letters');
  const first15 =
    surnameCode(p.cognome) +
    nameCode(p.nome) +
    pad2(year % 100) +
    MONTH_LETTERS.charAt(month - 1) +
    pad2(p.sesso === 'F' ? day + 40 : day) +
    catastale;
  return first15 + checkCharacter(first15);
}

// ---------------------------------------------------------------------------
// Synthetic persons
// ---------------------------------------------------------------------------

// Common Italian surnames and names (plain ASCII, as the XSD patterns require).
// Entries whose three-letter code repeats an earlier one are dropped at load,
// so every (surname, name) pair below yields a different 6-letter prefix.
const SURNAMES = [
  'Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano', 'Colombo', 'Ricci', 'Marino', 'Greco',
  'Bruno', 'Gallo', 'Conti', 'De Luca', 'Mancini', 'Costa', 'Giordano', 'Rizzo', 'Lombardi', 'Moretti',
  'Barbieri', 'Fontana', 'Santoro', 'Mariani', 'Rinaldi', 'Caruso', 'Ferrara', 'Galli', 'Martini', 'Leone',
  'Longo', 'Gentile', 'Martinelli', 'Vitale', 'Lombardo', 'Serra', 'Coppola', 'De Santis', "D'Angelo", 'Marchetti',
  'Parisi', 'Villa', 'Conte', 'Ferraro', 'Ferri', 'Fabbri', 'Bianco', 'Marini', 'Grasso', 'Valentini',
  'Messina', 'Sala', 'De Angelis', 'Gatti', 'Pellegrini', 'Palumbo', 'Sanna', 'Farina', 'Rizzi', 'Monti',
  'Cattaneo', 'Morelli', 'Amato', 'Silvestri', 'Mazza', 'Testa', 'Grassi', 'Pellegrino', 'Carbone', 'Giuliani',
  'Benedetti', 'Barone', 'Rossetti', 'Caputo', 'Montanari', 'Guerra', 'Palmieri', 'Bernardi', 'Martino', 'Fiore',
  'De Rosa', 'Ferretti', 'Bellini', 'Basile', 'Riva', 'Donati', 'Piras', 'Vitali', 'Battaglia', 'Sartori',
  'Neri', 'Costantini', 'Milani', 'Pagano', 'Ruggiero', 'Sorrentino', "D'Amico", 'Orlando', 'Damico', 'Negri',
  'Mele', 'Bassi', 'Leonardi', 'Bertolini', 'Cirillo', 'Gargiulo', 'Lanza', 'Melis', 'Mura', 'Porcu',
  'Deiana', 'Pinna', 'Fadda', 'Cocco', 'Zanetti', 'Zanella', 'Pozzi', 'Brambilla', 'Bonetti', 'Tedesco',
  'Ventura', 'Bellomo', 'Scotti', 'Pace', 'Cuomo', 'Iannone', 'Abate', 'Agostini', 'Albanese', 'Aquilino',
  'Baldi', 'Bellucci', 'Bonomi', 'Bosco', 'Calabrese', 'Cocchi', 'Corsi', 'Cristiani', 'Di Stefano', 'Fumagalli',
  'Guidi', 'Lupo', 'Magri', 'Manzoni', 'Nava', 'Olivieri', 'Pagani', 'Quaranta', 'Ragusa', 'Ugolini',
];

const NAMES_M = [
  'Marco', 'Giuseppe', 'Antonio', 'Giovanni', 'Mario', 'Luigi', 'Francesco', 'Alessandro', 'Andrea', 'Stefano',
  'Paolo', 'Roberto', 'Luca', 'Davide', 'Matteo', 'Simone', 'Lorenzo', 'Riccardo', 'Federico', 'Gabriele',
  'Salvatore', 'Vincenzo', 'Pietro', 'Carlo', 'Franco', 'Domenico', 'Bruno', 'Sergio', 'Claudio', 'Massimo',
  'Fabio', 'Enrico', 'Emanuele', 'Daniele', 'Michele', 'Nicola', 'Alberto', 'Giorgio', 'Angelo', 'Raffaele',
  'Leonardo', 'Tommaso', 'Edoardo', 'Filippo', 'Alessio', 'Cristian', 'Diego', 'Ivan', 'Umberto', 'Walter',
  'Piero', 'Renato', 'Gianni', 'Dario', 'Elia', 'Ugo', 'Oscar', 'Rocco', 'Sandro', 'Valerio',
];

const NAMES_F = [
  'Maria', 'Anna', 'Giulia', 'Francesca', 'Chiara', 'Sara', 'Laura', 'Valentina', 'Alessandra', 'Elena',
  'Federica', 'Silvia', 'Martina', 'Paola', 'Roberta', 'Giovanna', 'Rosa', 'Angela', 'Lucia', 'Teresa',
  'Simona', 'Monica', 'Barbara', 'Cristina', 'Daniela', 'Elisa', 'Serena', 'Ilaria', 'Alice', 'Giorgia',
  'Aurora', 'Sofia', 'Beatrice', 'Camilla', 'Noemi', 'Greta', 'Emma', 'Ginevra', 'Marta', 'Irene',
  'Caterina', 'Antonella', 'Patrizia', 'Nadia', 'Carla', 'Rita', 'Luisa', 'Gabriella', 'Michela', 'Veronica',
  'Debora', 'Erica', 'Viola', 'Ida', 'Ornella', 'Tiziana', 'Vanessa', 'Bianca', 'Cinzia', 'Adele',
];

// Birth places for synthetic persons: [codice catastale, comune, provincia].
// Names are spelled as in resources/comuni.tsv (a test checks it).
const BIRTH_PLACES: ReadonlyArray<readonly [string, string, string]> = [
  ['H501', 'ROMA', 'RM'], ['F205', 'MILANO', 'MI'], ['F839', 'NAPOLI', 'NA'], ['L219', 'TORINO', 'TO'],
  ['G273', 'PALERMO', 'PA'], ['D969', 'GENOVA', 'GE'], ['A944', 'BOLOGNA', 'BO'], ['D612', 'FIRENZE', 'FI'],
  ['A662', 'BARI', 'BA'], ['C351', 'CATANIA', 'CT'], ['L736', 'VENEZIA', 'VE'], ['L781', 'VERONA', 'VR'],
  ['F158', 'MESSINA', 'ME'], ['G224', 'PADOVA', 'PD'], ['L424', 'TRIESTE', 'TS'], ['B157', 'BRESCIA', 'BS'],
  ['L049', 'TARANTO', 'TA'], ['D704', "FORLI'", 'FC'], ['H294', 'RIMINI', 'RN'], ['G999', 'PRATO', 'PO'],
  ['F257', 'MODENA', 'MO'], ['H224', 'REGGIO DI CALABRIA', 'RC'], ['H223', "REGGIO NELL'EMILIA", 'RE'], ['G337', 'PARMA', 'PR'],
  ['G478', 'PERUGIA', 'PG'], ['E625', 'LIVORNO', 'LI'], ['H703', 'SALERNO', 'SA'], ['B354', 'CAGLIARI', 'CA'],
  ['A271', 'ANCONA', 'AN'], ['A345', "L'AQUILA", 'AQ'], ['G482', 'PESCARA', 'PE'], ['D643', 'FOGGIA', 'FG'],
  ['L840', 'VICENZA', 'VI'], ['L378', 'TRENTO', 'TN'], ['A952', 'BOLZANO', 'BZ'], ['C933', 'COMO', 'CO'],
  ['A794', 'BERGAMO', 'BG'], ['G388', 'PAVIA', 'PV'], ['I452', 'SASSARI', 'SS'], ['C352', 'CATANZARO', 'CZ'],
  ['D086', 'COSENZA', 'CS'], ['G942', 'POTENZA', 'PZ'], ['B519', 'CAMPOBASSO', 'CB'], ['A326', 'AOSTA', 'AO'],
  ['L117', 'TERNI', 'TR'], ['E506', 'LECCE', 'LE'], ['B963', 'CASERTA', 'CE'], ['A509', 'AVELLINO', 'AV'],
  ['Z404', "STATI UNITI D'AMERICA", 'EE'], ['Z133', 'SVIZZERA', 'EE'], ['Z110', 'FRANCIA', 'EE'], ['Z129', 'ROMANIA', 'EE'],
  ['Z100', 'ALBANIA', 'EE'], ['Z330', 'MAROCCO', 'EE'],
];

interface NamePart {
  text: string;
  code: string;
  /** Contribution of the 3 code letters to the check sum, given their positions. */
  sum: number;
}

function partsOf(list: readonly string[], codeOf: (s: string) => string, firstPos: number): NamePart[] {
  const seen = new Set<string>();
  const out: NamePart[] = [];
  for (const text of list) {
    const code = codeOf(text);
    if (seen.has(code)) continue;
    seen.add(code);
    out.push({ text, code, sum: sumAt(code, firstPos) });
  }
  return out;
}

/** Check-sum contribution of `s` placed at 0-based position `firstPos`. */
function sumAt(s: string, firstPos: number): number {
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    sum += (firstPos + i) % 2 === 0 ? oddValue(c) : evenValue(c);
  }
  return sum;
}

interface Tables {
  surnames: NamePart[];
  names: [NamePart[], NamePart[]];
  /** Names used per sex: the shorter list's length, so both sexes index the same range. */
  namesPerSex: number;
  places: Array<{ code: string; comune: string; provincia: string; sum: number }>;
  firstDayMs: number;
  days: number;
}

let tables: Tables | undefined;

// Birth dates span 1950-01-01 .. 2005-12-31: under 100 years, so the two-digit
// year never repeats, and decodeCodiceFiscale's century guess holds until 2049.
const FIRST_BIRTH = Date.UTC(1950, 0, 1);
const LAST_BIRTH = Date.UTC(2005, 11, 31);
const DAY_MS = 86_400_000;

function getTables(): Tables {
  if (tables) return tables;
  const surnames = partsOf(SURNAMES, surnameCode, 0);
  const m = partsOf(NAMES_M, nameCode, 3);
  const f = partsOf(NAMES_F, nameCode, 3);
  tables = {
    surnames,
    names: [m, f],
    namesPerSex: Math.min(m.length, f.length),
    places: BIRTH_PLACES.map(([code, comune, provincia]) => ({ code, comune, provincia, sum: sumAt(code, 11) })),
    firstDayMs: FIRST_BIRTH,
    days: Math.round((LAST_BIRTH - FIRST_BIRTH) / DAY_MS) + 1,
  };
  return tables;
}

/**
 * How many distinct persons syntheticPersons can produce. Every person is a
 * distinct tuple (surname code, name code, birth day, sex, birth place), and
 * the code is injective on those tuples, so codes never collide.
 */
export function syntheticCapacity(): number {
  const t = getTables();
  return t.surnames.length * t.namesPerSex * 2 * t.days * t.places.length;
}

/** 32-bit mixing (a variant of the murmur3 finaliser), used as the Feistel round function. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * A seeded pseudo-random permutation of [0, size): a balanced Feistel network
 * on the smallest even bit width covering `size`, with cycle walking to stay
 * in range. Being a permutation, distinct indexes give distinct outputs — which
 * is what guarantees unique persons without remembering the ones produced.
 */
function makePermutation(size: number, seed: number): (i: number) => number {
  let bits = Math.max(2, Math.ceil(Math.log2(size)));
  if (bits % 2 === 1) bits++;
  const half = bits / 2;
  const halfSize = 2 ** half;
  const mask = halfSize - 1;
  const keys = [0, 1, 2, 3].map((r) => mix32((seed >>> 0) ^ mix32(r + 0x9e3779b9)));
  return (i: number): number => {
    let x = i;
    do {
      let l = Math.floor(x / halfSize);
      let r = x % halfSize;
      for (const k of keys) {
        const nl = r;
        r = (l ^ (mix32(r ^ k) & mask)) >>> 0;
        l = nl;
      }
      x = l * halfSize + r;
    } while (x >= size);
    return x;
  };
}

/**
 * Deterministic stream of `count` distinct synthetic persons with valid codici
 * fiscali (same seed, same sequence). Surnames, names, sex, birth day
 * (1950-2005) and birth place (large comuni and a few foreign states) are drawn
 * through a seeded permutation of all combinations, so the persons look mixed
 * from the first one and never repeat. Throws RangeError when `count` exceeds
 * syntheticCapacity() (about 8 billion).
 */
export function* syntheticPersons(count: number, seed = 1): Iterable<Person> {
  if (!Number.isInteger(count) || count < 0) throw new RangeError('count must be a non-negative integer');
  const t = getTables();
  const capacity = syntheticCapacity();
  if (count > capacity) throw new RangeError(`at most ${capacity} distinct synthetic persons`);
  const perm = makePermutation(capacity, seed);
  const nSur = t.surnames.length;
  const nName = t.namesPerSex;
  const nPlace = t.places.length;
  // Date strings and their check-sum parts are built once per (day, sex) on demand.
  const datePart = new Map<number, { code: string; iso: string; sum: number }>();
  for (let i = 0; i < count; i++) {
    let x = perm(i);
    const s = x % nSur;
    x = Math.floor(x / nSur);
    const n = x % nName;
    x = Math.floor(x / nName);
    const sex = x % 2;
    x = Math.floor(x / 2);
    const p = x % nPlace;
    const d = Math.floor(x / nPlace);
    const key = d * 2 + sex;
    let dp = datePart.get(key);
    if (!dp) {
      const dt = new Date(t.firstDayMs + d * DAY_MS);
      const y = dt.getUTCFullYear();
      const mo = dt.getUTCMonth();
      const day = dt.getUTCDate();
      const code = pad2(y % 100) + MONTH_LETTERS.charAt(mo) + pad2(sex === 1 ? day + 40 : day);
      dp = { code, iso: `${y}-${pad2(mo + 1)}-${pad2(day)}`, sum: sumAt(code, 6) };
      datePart.set(key, dp);
    }
    const sur = t.surnames[s] as NamePart;
    const name = (t.names[sex] as NamePart[])[n] as NamePart;
    const place = t.places[p] as Tables['places'][number];
    const check = String.fromCharCode(65 + ((sur.sum + name.sum + dp.sum + place.sum) % 26));
    yield {
      codiceFiscale: sur.code + name.code + dp.code + place.code + check,
      cognome: sur.text,
      nome: name.text,
      sesso: sex === 1 ? 'F' : 'M',
      dataNascita: dp.iso,
      comuneNascita: place.comune,
      provinciaNascita: place.provincia,
    };
  }
}
