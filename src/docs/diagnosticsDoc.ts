/**
 * docs/diagnostics.md, rendered from the catalog so the document vendors read
 * is exactly what the gateway answers.
 */
import { fileURLToPath } from 'node:url';
import { DIAGNOSTICS, FAULTS, NOTICES, type DiagnosticSpec, type FaultSpec, type NoticeSpec } from '../catalog/diagnostics.js';
import { ICD9_SOURCE } from '../domain/icd9.js';

export const DIAGNOSTICS_DOC_PATH = fileURLToPath(new URL('../../../docs/diagnostics.md', import.meta.url));

const cell = (text: string): string => text.replace(/\|/g, '\\|');

export function renderDiagnosticsDoc(): string {
  const lines: string[] = [
    '# Diagnostics of sac-gateway',
    '',
    '<!-- Generated from src/catalog/diagnostics.ts by `sac-gateway docs`; a test fails when it drifts. Do not edit by hand. -->',
    '',
    'A request that reaches an operation is always answered with HTTP 200 and the operation\'s response element.',
    'When it cannot be accepted, the response carries `ricevutaNonOk` with up to 10 `errore` elements, each with',
    '`tipoErrore` (the code below), `sezioneErrata` (the path of the field below the request element, e.g.',
    '`malattia/dataFine`) and `descrizione` (the Italian text below, with the placeholders in braces filled in).',
    'Schema errors (1xxx) are all reported together; identity errors (2xxx) are reported alone; the other rules',
    'are all checked and reported together.',
    '',
    `Diagnosis codes are checked against: ${ICD9_SOURCE}`,
    '',
    '| tipoErrore | sezioneErrata | descrizione |',
    '|---|---|---|',
  ];
  const specs = Object.values(DIAGNOSTICS) as DiagnosticSpec[];
  for (const spec of [...specs].sort((a, b) => a.code.localeCompare(b.code))) {
    lines.push(`| ${spec.code} | ${cell(spec.sezione)} | ${cell(spec.testo)} |`);
  }
  lines.push(
    '',
    '## System notices (ricevutaInfo)',
    '',
    'While they apply, every response, `ricevutaOk` and `ricevutaNonOk` alike, carries them in `ricevutaInfo`,',
    'before `ricevutaNonOk` and the `ricevutaOk` element: one `info` per notice (at most 30) with `codice`',
    '(below), `dataInserimento` (when it was published), `info` (the Italian text below, filled in) and',
    '`dataInizioVal`/`dataFineVal` (the period it is about). See docs/operations.md ("Maintenance windows and paper certificates").',
    '',
    '| codice | info |',
    '|---|---|',
  );
  for (const spec of Object.values(NOTICES) as NoticeSpec[]) {
    lines.push(`| ${spec.code} | ${cell(spec.testo)} |`);
  }
  lines.push(
    '',
    '## SOAP faults',
    '',
    'A request that cannot be read as a SOAP 1.1 call to one of the ten operations gets a SOAP 1.1 Fault,',
    'HTTP 500, `Content-Type: text/xml; charset=utf-8`. Nothing is stored. `faultcode` is a QName in the',
    'SOAP 1.1 envelope namespace; `faultstring` is one of these texts.',
    '',
    '| faultcode | faultstring |',
    '|---|---|',
  );
  for (const spec of Object.values(FAULTS) as FaultSpec[]) {
    lines.push(`| soap:${spec.faultcode} | ${cell(spec.faultstring)} |`);
  }
  lines.push(
    '',
    'The HTTP edge\'s own refusals carry the HTTP status a client or a balancer acts on instead of 500,',
    'and a `Retry-After` header (seconds) when the status is 429 or 503:',
    '',
    '| HTTP | faultstring |',
    '|---|---|',
  );
  for (const spec of Object.values(FAULTS) as FaultSpec[]) {
    if (spec.httpStatus !== 500) lines.push(`| ${spec.httpStatus} | ${cell(spec.faultstring)} |`);
  }
  lines.push(
    '',
    'Missing or wrong HTTP Basic credentials are answered before any of this, from the headers alone and',
    'before the body is read: HTTP 401 with `WWW-Authenticate: Basic realm="CertificatiMedici", charset="UTF-8"`,',
    'a short Italian text and `Connection: close`.',
    '',
  );
  return lines.join('\n');
}
