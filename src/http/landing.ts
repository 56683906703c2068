/**
 * The landing page at `/` and the ready envelopes it links to: what a
 * vendor needs to start (contract links, demo users, one request per
 * operation with today's dates in Europe/Rome). Plain HTML without scripts
 * or external assets, every interpolated value escaped. Written by hand: a
 * template engine would be a dependency for one page.
 */
import { ATTESTATI_PATH, ATTESTATI_SERVICE_NAME, ATTESTATI_XSD_FILE_NAME } from '../attestati/contract.js';
import type { FastifyInstance } from 'fastify';
import { CERT_NS, OPERATIONS, soapActionOf, type OperationName } from '../contract/operations.js';
import { readFileSync } from 'node:fs';
import { SOAPUI_PROJECT_FILE, XSD_FILE_NAME } from '../contract/files.js';
import { renderDiagnosticsDoc } from '../docs/diagnosticsDoc.js';
import { CERT_DER_PATH, CERT_PEM_PATH, SERVICE_PATH } from './contractRoutes.js';
import { INPS_EXPORT_CSV_PATH, INPS_EXPORT_XML_PATH, INPS_PRINT_PREFIX, INPS_WORKER_DOCUMENTS_PATH } from './inpsRoutes.js';

export const ENVELOPES_PATH = '/esempi';
export const DIAGNOSTICS_PATH = '/docs/diagnostics.md';
export const SOAPUI_PATH = '/soapui/sac-gateway-soapui-project.xml';
/** What the vendor replaces in a downloaded envelope. */
export const PLACEHOLDERS = { pincode: 'PINCODE_CIFRATO', puc: 'ID_CERTIFICATO', pucir: 'ID_INIZIO_RICOVERO' } as const;
const WORKER = 'RSSMRA80A01H501U';

export interface LandingUser {
  readonly username: string;
  readonly password: string;
  readonly kind: string;
  readonly pincode?: string;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A calendar day in Europe/Rome, `days` after today. */
function romeDay(now: Date, days: number): string {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  const d = new Date(`${today}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

interface Example {
  /** Which demo user sends it. */
  readonly sender: 'medico' | 'operatore';
  /** The operation whose answer fills a placeholder, when one is needed. */
  readonly needs?: string;
  readonly payload: (today: string, inDays: (n: number) => string) => string;
}

const P = PLACEHOLDERS;
const ME = `<medico><pincode>${P.pincode}</pincode></medico><lavoratore><codiceFiscale>${WORKER}</codiceFiscale></lavoratore>`;
const CASA = '<residenza><via>Via Nazionale</via><civico>10</civico><cap>00184</cap><codiceCatastale>H501</codiceCatastale><comune>Roma</comune><provincia>RM</provincia></residenza>';
const STRUTTURA = '<codiceRegione>120</codiceRegione><codiceAsl>201</codiceAsl>';

/** One request per operation of the contract, for the demo data (operations.ts names them). */
const EXAMPLES: Readonly<Record<OperationName, Example>> = {
  InterrogazioneLavoratore: { sender: 'medico', payload: () => ME },
  InviaMalattia: {
    sender: 'medico',
    payload: (today, d) =>
      `${ME}${CASA}<malattia><ruoloMedico>S</ruoloMedico><dataRilascio>${today}</dataRilascio><dataInizio>${today}</dataInizio><dataFine>${d(3)}</dataFine><visita>A</visita><tipoCertificato>I</tipoCertificato><diagnosi><codiceDiagnosi>487.1</codiceDiagnosi><noteDiagnosi>Sindrome influenzale</noteDiagnosi></diagnosi></malattia>`,
  },
  RicercaMalattia: { sender: 'medico', payload: () => ME },
  RistampaMalattia: { sender: 'medico', needs: 'InviaMalattia', payload: () => `${ME}<idCertificato>${P.puc}</idCertificato>` },
  RettificaMalattia: { sender: 'medico', needs: 'InviaMalattia', payload: (_t, d) => `${ME}<idCertificato>${P.puc}</idCertificato><dataFine>${d(1)}</dataFine>` },
  AnnullaMalattia: { sender: 'medico', needs: 'InviaMalattia', payload: () => `${ME}<idCertificato>${P.puc}</idCertificato>` },
  InviaRicovero: {
    sender: 'operatore',
    payload: (today) => `<operatore>${STRUTTURA}</operatore><lavoratore><codiceFiscale>${WORKER}</codiceFiscale></lavoratore>${CASA}<ricovero><dataRicovero>${today}</dataRicovero></ricovero>`,
  },
  AnnullaRicovero: {
    sender: 'operatore',
    needs: 'InviaRicovero',
    payload: () => `<operatore>${STRUTTURA}</operatore><lavoratore><codiceFiscale>${WORKER}</codiceFiscale></lavoratore><idCertificato>${P.pucir}</idCertificato>`,
  },
  InviaDimissione: {
    sender: 'medico',
    needs: 'InviaRicovero',
    payload: (today, d) =>
      `<medico><pincode>${P.pincode}</pincode>${STRUTTURA}</medico><lavoratore><codiceFiscale>${WORKER}</codiceFiscale></lavoratore><idInizioRicovero>${P.pucir}</idInizioRicovero>${CASA}<dimissione><ruoloMedico>S</ruoloMedico><dataRicovero>${today}</dataRicovero><dataDimissione>${today}</dataDimissione><dataFine>${d(3)}</dataFine><tipoCertificato>I</tipoCertificato><tipoRicovero>R</tipoRicovero><diagnosi><noteDiagnosi>Appendicectomia</noteDiagnosi></diagnosi></dimissione>`,
  },
  RettificaDimissione: { sender: 'medico', needs: 'InviaDimissione', payload: (_t, d) => `${ME}<idCertificato>${P.puc}</idCertificato><dataFine>${d(1)}</dataFine>` },
};

/** The whole SOAP 1.1 envelope of one operation's example, dated `now` in Europe/Rome. */
export function exampleEnvelope(name: OperationName, now: Date): string {
  const op = OPERATIONS.find((o) => o.name === name)!;
  const payload = EXAMPLES[name].payload(romeDay(now, 0), (n) => romeDay(now, n));
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- ${op.name}: SOAPAction "${soapActionOf(op)}". Sostituire ${P.pincode} con il pincode cifrato (sac-gateway encrypt). -->
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cert="${CERT_NS}">
  <soapenv:Body>
    <cert:${op.requestElement}>${payload}</cert:${op.requestElement}>
  </soapenv:Body>
</soapenv:Envelope>
`;
}

export interface LandingOptions {
  /** Link the sandbox page (SAC_SANDBOX on). */
  readonly sandbox?: boolean;
  /** The clock of the ready envelopes' dates. */
  readonly now?: () => Date;
}

/** The sandbox's section of the landing page (its page is src/http/sandboxPage.ts). */
function sandboxSection(): string {
  return `<h2>Sandbox</h2>
<p>Per provare il proprio software: <a href="/sandbox">la pagina del sandbox</a> (con le credenziali del servizio)
permette di spostare la data e l'ora che il servizio considera attuali per le proprie richieste, di simulare guasti
(servizio non disponibile con Retry-After, ritardi, manutenzione, un tipoErrore a scelta) e di consultare le richieste inviate.</p>
`;
}

/** What the employer and worker users are (issue 12): they read the INPS side, never CertificatiMedici. */
const INPS_SIDE_USERS = `
<p>I tipi <code>datore</code> (il datore di lavoro: utente = il suo codice fiscale di 11 cifre) e <code>lavoratore</code>
(utente = il codice fiscale del lavoratore) consultano il lato INPS (attestati, certificati del lavoratore):
nessuna operazione di CertificatiMedici è loro consentita (diagnostica 2009). Il datore dimostrativo
<code>12345678903</code> è «Demo Datore S.r.l.» (matricola INPS <code>1234567890</code>, sede <code>7001</code>)
e impiega <code>RSSMRA80A01H501U</code> e <code>BNCGPP75C41F205S</code>, non <code>VRDLGU62T10L219V</code>.</p>
<p>Oltre al servizio SOAP, in <code>GET</code> con le stesse credenziali (HTTP Basic):</p>
<ul>
<li><code>${INPS_EXPORT_XML_PATH}?dal=AAAA-MM-GG&amp;al=AAAA-MM-GG</code> e <code>${INPS_EXPORT_CSV_PATH}?…</code>: gli attestati del datore (XML ISO-8859-1 <code>listaAttestati</code>, o CSV)</li>
<li><code>${INPS_WORKER_DOCUMENTS_PATH}</code>: i documenti del lavoratore, con la diagnosi e i collegamenti alle copie stampabili</li>
<li><code>${INPS_PRINT_PREFIX}PUC.pdf?allegato=A…E</code>: la copia stampabile (Allegati A–E) che spetta all'utente</li>
</ul>`;

export function renderLanding(users: ReadonlyArray<LandingUser>, options: LandingOptions = {}): string {
  const e = escapeHtml;
  const rows = OPERATIONS.map((op) => {
    const ex = EXAMPLES[op.name];
    const note = ex.needs ? `sostituire ${ex.needs === 'InviaRicovero' && op.name !== 'RettificaDimissione' ? P.pucir : P.puc} con l'identificativo restituito da ${ex.needs}` : '';
    return `<tr><td><code>${e(op.name)}</code></td><td><a href="${e(`${ENVELOPES_PATH}/${op.name}.xml`)}" download>${e(op.name)}.xml</a></td><td>${e(ex.sender)}</td><td><code>${e(soapActionOf(op))}</code></td><td>${e(note)}</td></tr>`;
  }).join('\n');
  const demo = users.length === 0
    ? ''
    : `<h2>Utenti dimostrativi</h2>
<table><tr><th>utente (HTTP Basic)</th><th>password</th><th>tipo</th><th>pincode</th></tr>
${users.map((u) => `<tr><td><code>${e(u.username)}</code></td><td><code>${e(u.password)}</code></td><td>${e(u.kind)}</td><td>${u.pincode ? `<code>${e(u.pincode)}</code>` : '—'}</td></tr>`).join('\n')}
</table>${users.some((u) => u.kind === 'datore' || u.kind === 'lavoratore') ? INPS_SIDE_USERS : ''}`;
  return `<!DOCTYPE html>
<html lang="it">
<head><meta charset="utf-8"><title>sac-gateway — CertificatiMedici</title></head>
<body>
<h1>sac-gateway</h1>
<p>Implementazione aperta del servizio SOAP 1.1 <strong>CertificatiMedici</strong> del SAC (contratto v2.0):
invio, rettifica, annullamento, ricerca e ristampa dei certificati di malattia, ricoveri e dimissioni.
Le operazioni si inviano in <code>POST</code> a <code>${e(SERVICE_PATH)}</code> con autenticazione HTTP Basic.</p>
<h2>Contratto</h2>
<ul>
<li><a href="${e(`${SERVICE_PATH}?wsdl`)}">WSDL</a></li>
<li><a href="${e(`${SERVICE_PATH}?xsd=${XSD_FILE_NAME}`)}">XSD (${e(XSD_FILE_NAME)})</a></li>
<li>Servizio <strong>${e(ATTESTATI_SERVICE_NAME)}</strong> (lato INPS: attestati, consultazione, copie stampabili), in <code>POST</code> a <code>${e(ATTESTATI_PATH)}</code>:
<a href="${e(`${ATTESTATI_PATH}?wsdl`)}">WSDL</a>, <a href="${e(`${ATTESTATI_PATH}?xsd=${ATTESTATI_XSD_FILE_NAME}`)}">XSD (${e(ATTESTATI_XSD_FILE_NAME)})</a></li>
<li>Certificato per cifrare il pincode: <a href="${e(CERT_PEM_PATH)}">PEM</a>, <a href="${e(CERT_DER_PATH)}">DER</a></li>
<li><a href="${e(DIAGNOSTICS_PATH)}">Diagnostiche e fault</a> (catalogo completo)</li>
<li><a href="${e(SOAPUI_PATH)}" download>Progetto SoapUI 5</a>: una suite di test per operazione, con richieste valide e non valide
e le loro asserzioni; impostare le proprietà del progetto (indirizzo, credenziali, pincode cifrato) prima di eseguirlo</li>
</ul>
${demo}
${options.sandbox ? sandboxSection() : ''}<h2>Buste pronte</h2>
<p>Ogni busta ha le date di oggi (Europe/Rome) e il lavoratore dimostrativo <code>${WORKER}</code>.
Sostituire <code>${P.pincode}</code> con il pincode cifrato:</p>
<pre>PIN=$(npx sac-gateway encrypt 1234567890)
sed "s|${P.pincode}|$PIN|" InviaMalattia.xml &gt; invio.xml
curl -s -u UTENTE:PASSWORD -H 'Content-Type: text/xml; charset=utf-8' -H 'SOAPAction: "${e(soapActionOf(OPERATIONS.find((o) => o.name === 'InviaMalattia')!))}"' --data-binary @invio.xml URL${e(SERVICE_PATH)}</pre>
<table><tr><th>operazione</th><th>busta</th><th>inviata da</th><th>SOAPAction</th><th>nota</th></tr>
${rows}
</table>
</body>
</html>
`;
}

const OPERATION_FILES = new Map(OPERATIONS.map((op) => [`${op.name}.xml`, op.name]));

/** `/`, the envelopes and the diagnostics catalog, in the root scope (admission control never refuses them). */
export function registerLanding(app: FastifyInstance, users: ReadonlyArray<LandingUser>, options: LandingOptions = {}): void {
  const now = options.now ?? (() => new Date());
  const page = renderLanding(users, options);
  const diagnostics = renderDiagnosticsDoc();
  // The committed file, read once: it is generated from this same contract and catalog (a test keeps them equal).
  const soapui = readFileSync(SOAPUI_PROJECT_FILE);
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
  app.get(DIAGNOSTICS_PATH, async (_request, reply) => reply.type('text/plain; charset=utf-8').send(diagnostics));
  app.get(SOAPUI_PATH, async (_request, reply) =>
    reply.type('application/xml; charset=utf-8').header('content-disposition', 'attachment; filename="sac-gateway-soapui-project.xml"').send(soapui),
  );
  app.get(`${ENVELOPES_PATH}/:file`, async (request, reply) => {
    const name = OPERATION_FILES.get((request.params as { file: string }).file);
    if (name === undefined) return reply.code(404).type('text/plain; charset=utf-8').send('Busta non trovata.\n');
    return reply
      .type('text/xml; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}.xml"`)
      .send(exampleEnvelope(name, now()));
  });
}
