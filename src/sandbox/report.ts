/**
 * The per-user conformance report as data: what was exercised (each of the
 * ten operations by outcome, the diagnostics, the warnings) and what is
 * still to try, the list a vendor works through. Rendered by pages.ts as
 * HTML or answered as JSON.
 */
import { DIAGNOSTICS, FAULTS } from '../catalog/diagnostics.js';
import { OPERATIONS } from '../contract/operations.js';
import type { ConformanceCount } from '../store/port.js';
import { WARNINGS, WARNING_CODES, type WarningCode } from './conformance.js';

export const OUTCOMES = ['ricevutaOk', 'ricevutaNonOk', 'fault'] as const;

export interface OperationLine {
  readonly operazione: string;
  readonly ricevutaOk: number;
  readonly ricevutaNonOk: number;
  readonly fault: number;
}

export interface SeenLine {
  readonly codice: string;
  readonly volte: number;
  readonly primaVolta: string;
  readonly ultimaVolta: string;
  readonly descrizione: string;
}

export interface ConformanceReport {
  readonly utente: string;
  readonly operazioni: OperationLine[];
  /** Requests that never named an operation this service knows (answered with a fault). */
  readonly senzaOperazione: number;
  readonly diagnostiche: SeenLine[];
  readonly avvisi: SeenLine[];
  readonly daProvare: string[];
  /** Catalog tipoErrore codes never answered to this user. */
  readonly diagnosticheNonViste: { codice: string; descrizione: string }[];
}

const DIAGNOSTIC_TEXT = new Map<string, string>(Object.values(DIAGNOSTICS).map((d) => [d.code, d.testo]));
const FAULT_TEXT = new Map<string, string>(Object.entries(FAULTS).map(([key, f]) => [key, `fault ${f.faultcode}: ${f.faultstring}`]));

/** The catalog's text, its {placeholders} (filled per occurrence) shown as an ellipsis. */
function describeCode(code: string): string {
  const text = DIAGNOSTIC_TEXT.get(code) ?? FAULT_TEXT.get(code) ?? code;
  return text.replace(/\{\w+\}/g, '…');
}

export function buildReport(username: string, counts: readonly ConformanceCount[]): ConformanceReport {
  const byOp = new Map<string, Record<string, number>>();
  const diagnostiche: SeenLine[] = [];
  const avvisi: SeenLine[] = [];
  for (const c of counts) {
    if (c.category === 'operazione') {
      const line = byOp.get(c.key) ?? {};
      line[c.outcome] = (line[c.outcome] ?? 0) + c.count;
      byOp.set(c.key, line);
    } else {
      const line = { codice: c.key, volte: c.count, primaVolta: c.firstAt, ultimaVolta: c.lastAt };
      if (c.category === 'diagnostica') diagnostiche.push({ ...line, descrizione: describeCode(c.key) });
      else avvisi.push({ ...line, descrizione: WARNING_CODES.includes(c.key as WarningCode) ? WARNINGS[c.key as WarningCode] : c.key });
    }
  }
  const operazioni = OPERATIONS.map((op) => {
    const line = byOp.get(op.name) ?? {};
    return { operazione: op.name, ricevutaOk: line.ricevutaOk ?? 0, ricevutaNonOk: line.ricevutaNonOk ?? 0, fault: line.fault ?? 0 };
  });
  const unknown = [...byOp.entries()].filter(([name]) => !OPERATIONS.some((op) => op.name === name));
  const senzaOperazione = unknown.reduce((n, [, line]) => n + Object.values(line).reduce((a, b) => a + b, 0), 0);

  const daProvare: string[] = [];
  for (const line of operazioni) {
    const total = line.ricevutaOk + line.ricevutaNonOk + line.fault;
    if (total === 0) daProvare.push(`${line.operazione}: mai invocata.`);
    else {
      if (line.ricevutaOk === 0) daProvare.push(`${line.operazione}: nessuna ricevutaOk ancora (una richiesta accettata).`);
      if (line.ricevutaNonOk === 0) daProvare.push(`${line.operazione}: nessuna ricevutaNonOk ancora (leggere tipoErrore e sezioneErrata di una richiesta rifiutata).`);
    }
  }
  if (!operazioni.some((l) => l.fault > 0) && senzaOperazione === 0) {
    daProvare.push('Nessun fault SOAP ricevuto: verificare che il client legga faultcode e faultstring (ad esempio con una SOAPAction di un\'altra operazione).');
  }
  const seenCodes = new Set(diagnostiche.map((d) => d.codice));
  const diagnosticheNonViste = Object.values(DIAGNOSTICS)
    .filter((d) => !seenCodes.has(d.code))
    .map((d) => ({ codice: d.code, descrizione: describeCode(d.code) }));
  diagnostiche.sort((a, b) => a.codice.localeCompare(b.codice));
  avvisi.sort((a, b) => a.codice.localeCompare(b.codice));
  return { utente: username, operazioni, senzaOperazione, diagnostiche, avvisi, daProvare, diagnosticheNonViste };
}
