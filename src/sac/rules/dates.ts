/**
 * Date rules of a sickness certificate (disciplinare 3.2). Days are calendar
 * days in Europe/Rome; valid YYYY-MM-DD strings compare correctly as text.
 */
import { addDays, isCalendarDate } from '../../domain/dates.js';
import { diagnostic, type Diagnostic } from '../../catalog/diagnostics.js';
import type { Malattia } from '../../domain/certificate.js';

/** The three dates must exist in the calendar; the schema pattern lets 2026-02-31 through. */
export function checkCalendarDates(
  fields: ReadonlyArray<readonly [sezione: string, value: string]>,
): Diagnostic[] {
  return fields
    .filter(([, value]) => !isCalendarDate(value))
    .map(([sezione, value]) => diagnostic('DATA_INESISTENTE', { valore: value, campo: sezione }, sezione));
}

export function checkMalattiaDates(malattia: Malattia, today: string, section = 'malattia'): Diagnostic[] {
  const { dataRilascio: rilascio, dataInizio: inizio, dataFine: fine } = malattia;
  const errors = checkCalendarDates([
    [`${section}/dataRilascio`, rilascio],
    [`${section}/dataInizio`, inizio],
    [`${section}/dataFine`, fine],
  ]);
  if (errors.length > 0) return errors;

  if (inizio > fine) errors.push(diagnostic('DATA_INIZIO_DOPO_FINE', { inizio, fine }, `${section}/dataInizio`));
  if (fine < rilascio) errors.push(diagnostic('DATA_FINE_PRIMA_RILASCIO', { fine, rilascio }, `${section}/dataFine`));
  if (inizio > rilascio) errors.push(diagnostic('DATA_INIZIO_DOPO_RILASCIO', { inizio, rilascio }, `${section}/dataInizio`));

  const yesterday = addDays(today, -1);
  if (rilascio > today) {
    errors.push(diagnostic('DATA_RILASCIO_FUTURA', { rilascio, oggi: today }, `${section}/dataRilascio`));
  } else if (rilascio < yesterday) {
    errors.push(diagnostic('DATA_RILASCIO_SCADUTA', { rilascio, oggi: today }, `${section}/dataRilascio`));
  } else if (rilascio === yesterday && malattia.visita !== 'D') {
    // A home visit late in the evening may be sent the next morning; nothing else may.
    errors.push(diagnostic('DATA_RILASCIO_IERI_NON_DOMICILIARE', { rilascio }, `${section}/dataRilascio`));
  }
  return errors;
}
