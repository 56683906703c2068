/**
 * The sandbox's inspector and conformance pages, each for the caller's own
 * user (HTTP Basic, the same login and throttles as the SOAP calls):
 *   GET  /sandbox/richieste            the last exchanges, HTML or JSON
 *   POST /sandbox/richieste/svuota     forget them
 *   GET  /sandbox/conformita           the conformance report, HTML or JSON
 *   POST /sandbox/conformita/azzera    start the report again
 * Only registered when the sandbox is on. A POST from another site is
 * refused (403): browsers replay Basic credentials.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LoginResult } from '../auth/login.js';
import type { SandboxExchange, SandboxInspectStore, UserRecord } from '../store/port.js';
import { buildReport, type ConformanceReport } from './report.js';

export const INSPECTOR_PATH = '/sandbox/richieste';
export const REPORT_PATH = '/sandbox/conformita';
const CLEAR_PATH = `${INSPECTOR_PATH}/svuota`;
const RESET_PATH = `${REPORT_PATH}/azzera`;

export interface SandboxPagesOptions {
  readonly store: SandboxInspectStore;
  /** The gateway's login verdict for this request's headers (throttles and hash queue included). */
  readonly authenticate: (request: FastifyRequest) => Promise<LoginResult>;
}

const CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";

function esc(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return /application\/json/i.test(accept) && !/text\/html/i.test(accept);
}

/** The caller, or the answer already sent (401 with a Basic challenge, 429/503 with Retry-After). */
async function callerOf(request: FastifyRequest, reply: FastifyReply, options: SandboxPagesOptions): Promise<UserRecord | undefined> {
  const result = await options.authenticate(request);
  if (result.ok) return result.user;
  reply.header('cache-control', 'no-store');
  if (result.reason === 'missing' || result.reason === 'invalid') {
    reply.code(401).header('www-authenticate', 'Basic realm="sac-gateway sandbox", charset="UTF-8"');
    void reply.type('text/plain; charset=utf-8').send('Accesso negato: servono le credenziali HTTP Basic dell\'utente, le stesse delle chiamate SOAP.\n');
    return undefined;
  }
  const wait = 'retryAfterS' in result ? result.retryAfterS : 1;
  reply.code(result.reason === 'throttled' ? 429 : 503).header('retry-after', String(wait));
  void reply
    .type('text/plain; charset=utf-8')
    .send(result.reason === 'throttled' ? `Troppi tentativi di accesso non riusciti: riprovare tra ${wait} secondi.\n` : `Servizio momentaneamente sovraccarico: riprovare tra ${wait} secondi.\n`);
  return undefined;
}

/**
 * A state-changing request from another site: an Origin whose host is not
 * this one, or a Sec-Fetch-Site other than same-origin / none (typed URL).
 * A client without either (curl, a test suite) is not a browser replaying
 * credentials, and passes.
 */
export function crossSite(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return true;
  const origin = request.headers.origin;
  if (typeof origin !== 'string') return false;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return true;
  }
  return host.toLowerCase() !== (request.headers.host ?? '').toLowerCase();
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="it">
<head><meta charset="utf-8"><title>${esc(title)} — sac-gateway sandbox</title>
<style>body{font-family:sans-serif;max-width:70em;margin:1em auto;padding:0 1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}pre{background:#f6f6f6;padding:.5em;overflow:auto;max-height:30em;white-space:pre-wrap;word-break:break-all}.ok{color:#060}.no{color:#a00}</style></head>
<body>
<p><a href="/">sac-gateway</a> › <a href="/sandbox">sandbox</a> › ${esc(title)}</p>
${body}
</body>
</html>
`;
}

function renderExchanges(username: string, exchanges: readonly SandboxExchange[]): string {
  const rows = exchanges
    .map((x, i) => {
      const headers = Object.entries(x.requestHeaders)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n');
      return `<h3>${exchanges.length - i}. ${esc(x.at)} — ${esc(x.operation)} — HTTP ${esc(x.status)} — <span class="${x.outcome === 'ricevutaOk' ? 'ok' : 'no'}">${esc(x.outcome)}</span> — ${esc(x.durationMs)} ms</h3>
<ul>
<li>codici: ${x.codes.length === 0 ? 'nessuno' : x.codes.map((c) => `<code>${esc(c)}</code>`).join(', ')}</li>
<li>avvisi di conformità: ${x.warnings.length === 0 ? 'nessuno' : x.warnings.map((c) => `<code>${esc(c)}</code>`).join(', ')}</li>
</ul>
<details><summary>Intestazioni della richiesta</summary><pre>${esc(headers)}</pre></details>
<details><summary>Richiesta${x.requestTruncated ? ' (troncata)' : ''}</summary><pre>${esc(x.requestBody)}</pre></details>
<details><summary>Risposta${x.responseTruncated ? ' (troncata)' : ''}</summary><pre>${esc(x.responseBody)}</pre></details>`;
    })
    .join('\n');
  return page(
    'Richieste',
    `<h1>Ultime richieste di <code>${esc(username)}</code></h1>
<p>Le ultime richieste autenticate di questo utente, con la risposta e ciò che il gateway ne ha concluso (la più recente per prima).
Il contenuto del pincode e l'intestazione Authorization sono mascherati; i corpi lunghi sono troncati.
In JSON: <code>Accept: application/json</code>. Vedere anche il <a href="${REPORT_PATH}">rapporto di conformità</a>.</p>
<form method="post" action="${CLEAR_PATH}"><button type="submit">Svuota l'elenco</button></form>
${exchanges.length === 0 ? '<p>Nessuna richiesta registrata.</p>' : rows}`,
  );
}

function renderReport(r: ConformanceReport): string {
  const cell = (n: number) => (n > 0 ? `<td class="ok">${n}</td>` : '<td>—</td>');
  const ops = r.operazioni.map((l) => `<tr><td><code>${esc(l.operazione)}</code></td>${cell(l.ricevutaOk)}${cell(l.ricevutaNonOk)}${cell(l.fault)}</tr>`).join('\n');
  const seen = (lines: ConformanceReport['diagnostiche']) =>
    lines.length === 0
      ? '<p>Nessuno.</p>'
      : `<table><tr><th>codice</th><th>volte</th><th>ultima volta</th><th>descrizione</th></tr>
${lines.map((d) => `<tr><td><code>${esc(d.codice)}</code></td><td>${d.volte}</td><td>${esc(d.ultimaVolta)}</td><td>${esc(d.descrizione)}</td></tr>`).join('\n')}</table>`;
  return page(
    'Conformità',
    `<h1>Rapporto di conformità di <code>${esc(r.utente)}</code></h1>
<p>Che cosa il client di questo utente ha già provato e che cosa resta da provare. In JSON: <code>Accept: application/json</code>.
Le singole richieste sono nell'<a href="${INSPECTOR_PATH}">ispettore delle richieste</a>.</p>
<form method="post" action="${RESET_PATH}"><button type="submit">Azzera il rapporto</button></form>
<h2>Da provare</h2>
${r.daProvare.length === 0 ? '<p>Tutto provato.</p>' : `<ul>${r.daProvare.map((t) => `<li>${esc(t)}</li>`).join('\n')}</ul>`}
<h2>Operazioni</h2>
<table><tr><th>operazione</th><th>ricevutaOk</th><th>ricevutaNonOk</th><th>fault</th></tr>
${ops}
</table>
${r.senzaOperazione > 0 ? `<p>Richieste senza un'operazione riconosciuta (fault): ${r.senzaOperazione}.</p>` : ''}
<h2>Diagnostiche e fault ricevuti</h2>
${seen(r.diagnostiche)}
<h2>Avvisi di conformità</h2>
<p>Ciò che questo gateway tollera ma un SAC rigoroso potrebbe rifiutare (nelle risposte come <code>ricevutaVarie</code>).</p>
${seen(r.avvisi)}
<details><summary>Diagnostiche del catalogo non ancora viste (${r.diagnosticheNonViste.length})</summary>
<ul>${r.diagnosticheNonViste.map((d) => `<li><code>${esc(d.codice)}</code> ${esc(d.descrizione)}</li>`).join('\n')}</ul></details>`,
  );
}

export function registerSandboxInspectPages(app: FastifyInstance, options: SandboxPagesOptions): void {
  void app.register(async (scope) => {
    // The forms post an empty body: read none beyond a small bound, keep none.
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 4_096 }, (_request, _body, done) => done(null, undefined));
    scope.addHook('onSend', async (_request, reply, payload) => {
      reply.header('cache-control', 'no-store').header('content-security-policy', CSP).header('x-content-type-options', 'nosniff');
      return payload;
    });

    scope.get(INSPECTOR_PATH, async (request, reply) => {
      const user = await callerOf(request, reply, options);
      if (user === undefined) return reply;
      const exchanges = await options.store.readSandboxExchanges(user.username);
      if (wantsJson(request)) return reply.send({ utente: user.username, richieste: exchanges });
      return reply.type('text/html; charset=utf-8').send(renderExchanges(user.username, exchanges));
    });

    scope.get(REPORT_PATH, async (request, reply) => {
      const user = await callerOf(request, reply, options);
      if (user === undefined) return reply;
      const report = buildReport(user.username, await options.store.readConformance(user.username));
      if (wantsJson(request)) return reply.send(report);
      return reply.type('text/html; charset=utf-8').send(renderReport(report));
    });

    const reset = (path: string, what: 'conformita' | 'richieste', back: string) =>
      scope.post(path, async (request, reply) => {
        if (crossSite(request)) return reply.code(403).type('text/plain; charset=utf-8').send('Richiesta da un altro sito rifiutata.\n');
        const user = await callerOf(request, reply, options);
        if (user === undefined) return reply;
        await options.store.resetSandbox(user.username, what);
        if (wantsJson(request)) return reply.send({ utente: user.username, azzerato: what });
        return reply.code(303).header('location', back).send();
      });
    reset(CLEAR_PATH, 'richieste', INSPECTOR_PATH);
    reset(RESET_PATH, 'conformita', REPORT_PATH);
  });
}
