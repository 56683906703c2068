/**
 * The diagnosis needs a code or a free-text note. A code must be ICD-9-CM.
 * Texts never repeat the diagnosis: it is health data.
 */
import { checkCodiceDiagnosi } from '../../domain/icd9.js';
import { diagnostic, type Diagnostic } from '../../catalog/diagnostics.js';
import type { Diagnosi } from '../../domain/certificate.js';

const present = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

export function checkDiagnosi(diagnosi: Diagnosi, section: string): Diagnostic[] {
  if (!present(diagnosi.codiceDiagnosi) && !present(diagnosi.noteDiagnosi)) {
    return [diagnostic('DIAGNOSI_MANCANTE', {}, `${section}/diagnosi`)];
  }
  if (present(diagnosi.codiceDiagnosi) && !checkCodiceDiagnosi(diagnosi.codiceDiagnosi).ok) {
    return [diagnostic('CODICE_DIAGNOSI_SCONOSCIUTO', {}, `${section}/diagnosi/codiceDiagnosi`)];
  }
  return [];
}
