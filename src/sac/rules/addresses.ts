/**
 * Addresses (residenza, reperibilita/indirizzo): a municipality by cadastral
 * code or by name and province, consistent when both are given, and a civic
 * number or the conventional SNC.
 */
import { comuneMatches, findComune, findComuneByName } from '../../domain/comuni.js';
import { diagnostic, type Diagnostic } from '../../catalog/diagnostics.js';
import type { Address } from '../../domain/certificate.js';

const filled = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

export function checkAddress(address: Address, section: string): Diagnostic[] {
  const errors: Diagnostic[] = [];
  const { codiceCatastale, comune, provincia } = address;
  const params = { indirizzo: section };

  if (filled(codiceCatastale)) {
    const found = findComune(codiceCatastale);
    if (!found) {
      errors.push(diagnostic('CODICE_CATASTALE_SCONOSCIUTO', { ...params, valore: codiceCatastale }));
    } else if ((filled(comune) || filled(provincia)) && !comuneMatches(codiceCatastale, comune ?? found.nome, provincia ?? found.provincia)) {
      errors.push(
        diagnostic('COMUNE_INCOERENTE', { ...params, valore: codiceCatastale, nome: found.nome, provincia: found.provincia }),
      );
    }
  } else if (!filled(comune) || !filled(provincia)) {
    errors.push(diagnostic('COMUNE_MANCANTE', params, section));
  } else if (!findComuneByName(comune, provincia)) {
    errors.push(diagnostic('COMUNE_SCONOSCIUTO', { ...params, valore: comune }));
  }

  const civico = address.civico.trim();
  // "89 plA scC int8" is fine; a civic field with no digit at all must say SNC.
  if (!/[0-9]/.test(civico) && civico.toUpperCase() !== 'SNC') {
    errors.push(diagnostic('CIVICO_SENZA_NUMERO', params));
  }
  return errors;
}
