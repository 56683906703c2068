/**
 * Date rules of a sickness certificate (disciplinare 3.2). Days are calendar
 * days in Europe/Rome; valid YYYY-MM-DD strings compare correctly as text.
 */
import { addDays, isCalendarDate } from '../../domain/dates.js';
import { diagnostic, type Diagnostic } from '../../catalog/diagnostics.js';
import type { Malattia } from '../../domain/certificate.js';
import type { PaperEntry } from '../maintenance.js';

/** The three dates must exist in the calendar; the schema pattern lets 2026-02-31 through. */
export function checkCalendarDates(
  fields: ReadonlyArray<readonly [sezione: string, value: string]>,
): Diagnostic[] {
  return fields
    .filter(([, value]) => !isCalendarDate(value))
    .map(([sezione, value]) => diagnostic('DATA_INESISTENTE', { valore: value, campo: sezione }, sezione));
}

/**
 * `paper`: the release day falls in a maintenance window that has ended
 * (src/sac/maintenance.ts). While its grace period runs, the "at most one
 * day old" rule does not apply (a paper certificate re-entered late); once it
 * has run out, that rule's refusal says so (8005). Every other rule applies.
 */
export function checkMalattiaDates(malattia: Malattia, today: string, section = 'malattia', paper?: PaperEntry): Diagnostic[] {
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
  const late = rilascio < yesterday || (rilascio === yesterday && malattia.visita !== 'D');
  if (rilascio > today) {
    errors.push(diagnostic('DATA_RILASCIO_FUTURA', { rilascio, oggi: today }, `${section}/dataRilascio`));
  } else if (late && paper !== undefined) {
    if (!paper.open) errors.push(paper.expired(rilascio, `${section}/dataRilascio`));
  } else if (rilascio < yesterday) {
    errors.push(diagnostic('DATA_RILASCIO_SCADUTA', { rilascio, oggi: today }, `${section}/dataRilascio`));
  } else if (rilascio === yesterday && malattia.visita !== 'D') {
    // A home visit late in the evening may be sent the next morning; nothing else may.
    errors.push(diagnostic('DATA_RILASCIO_IERI_NON_DOMICILIARE', { rilascio }, `${section}/dataRilascio`));
  }
  return errors;
}
