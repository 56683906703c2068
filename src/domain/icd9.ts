/**
 * Check of codiceDiagnosi, which the contract declares as "ICD9_CM -
 * revisione 2007", written as category or category.subcode (487, 487.1,
 * V17.34, E812.0; the XSD even shows "44").
 *
 * No ICD-9-CM code list is available as a maintained npm package (the only
 * registry this project builds from), so codes are checked by form and range,
 * not against the list: a well-formed code whose category lies in the 2007
 * ranges is accepted even if that exact category or subcode does not exist.
 */

export type Icd9Check = { ok: true; descrizione?: string } | { ok: false };

/** Where the check comes from, for the vendor documentation. */
export const ICD9_SOURCE =
  'ICD-9-CM 2007 by form and range only (no maintained code list is published on npm): ' +
  'the XSD form E?[V0-9][0-9]{1,2}(.[0-9]{0,2})?, then a category in 001-999, V01-V86 or E800-E999, ' +
  'a subcode of at most two digits (one for E codes). Categories of one or two digits are read with ' +
  'leading zeros (44 = 044, V1 = V01) and a trailing dot is ignored (487. = 487). ' +
  'A code of the right form and range is accepted even if that exact code is not in the classification.';

// The contract's pattern, with the "[0- 9]" typo of the published XSD read as [0-9].
const FORM_RE = /^(E?)([V0-9])([0-9]{1,2})(?:\.([0-9]{0,2}))?$/;

// Last V category of the 2007 revision: V86 was added in October 2006; V87-V91 came later.
const LAST_V_CATEGORY_2007 = 86;

/**
 * The canonical form of a code (category zero-padded, trailing dot dropped),
 * or undefined when it is not an ICD-9-CM 2007 diagnosis code by form and
 * range. Case-sensitive, as the XSD is: lowercase "v" or "e" is rejected.
 */
export function normalizeCodiceDiagnosi(code: string): string | undefined {
  const m = FORM_RE.exec(code);
  if (!m) return undefined;
  const isE = m[1] === 'E';
  const head = m[2] as string;
  const digits = m[3] as string;
  const sub = m[4] ?? '';
  if (isE) {
    // E codes are E + three digits; "EV.." has no meaning.
    if (head === 'V') return undefined;
    const cat = Number(head + digits);
    if (digits.length !== 2 || cat < 800 || cat > 999 || sub.length > 1) return undefined;
    return sub ? `E${cat}.${sub}` : `E${cat}`;
  }
  if (head === 'V') {
    const cat = Number(digits);
    if (cat < 1 || cat > LAST_V_CATEGORY_2007) return undefined;
    const v = `V${digits.padStart(2, '0')}`;
    return sub ? `${v}.${sub}` : v;
  }
  const cat = Number(head + digits);
  if (cat < 1) return undefined;
  const n = String(cat).padStart(3, '0');
  return sub ? `${n}.${sub}` : n;
}

/** Whether codiceDiagnosi is acceptable; see ICD9_SOURCE for what is checked. */
export function checkCodiceDiagnosi(code: string): Icd9Check {
  return normalizeCodiceDiagnosi(code) === undefined ? { ok: false } : { ok: true };
}
