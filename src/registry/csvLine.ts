/**
 * One CSV record on one line (RFC 4180 quoting: "a ""b"" c"). Written here
 * because the registry needs only this much, and because one record per
 * line keeps a refused line's number the number an operator sees in an
 * editor: a quoted field spanning lines is refused, not followed.
 */

export type CsvSplit = { readonly fields: string[] } | { readonly error: string };

/** The separator of a file, guessed from its header line: the most frequent of ; , and tab (comma on a tie). */
export function guessSeparator(header: string): string {
  let best = ',';
  let bestCount = 0;
  for (const sep of [',', ';', '\t']) {
    let count = 0;
    for (const ch of header) if (ch === sep) count++;
    if (count > bestCount) {
      best = sep;
      bestCount = count;
    }
  }
  return best;
}

export function splitCsvLine(line: string, sep: string): CsvSplit {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q === -1) return { error: 'virgolette non chiuse (un campo non può andare a capo)' };
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i === line.length) return { fields };
      if (line[i] !== sep) return { error: 'testo dopo le virgolette di chiusura di un campo' };
      i++;
    } else {
      const next = line.indexOf(sep, i);
      const value = next === -1 ? line.slice(i) : line.slice(i, next);
      if (value.includes('"')) return { error: 'virgolette dentro un campo senza virgolette' };
      fields.push(value);
      if (next === -1) return { fields };
      i = next + 1;
    }
  }
}
