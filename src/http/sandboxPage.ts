/**
 * The /sandbox page (Italian, plain HTML, no scripts) and its JSON twin:
 * what the sandbox offers, the caller's own settings, the forms that change
 * them, and the links to the request inspector and the conformance report.
 * Every interpolated value is escaped.
 */
import { OPERATIONS } from '../contract/operations.js';
import { DIAGNOSTICS } from '../catalog/diagnostics.js';
import { romeDateTime } from '../domain/dates.js';
import { describeOffset } from '../sandbox/clockShift.js';
import { INJECTED_STOP_MS, RETRY_AFTER_BOUNDS, injectableCodes } from '../sandbox/injection.js';
import type { SandboxView } from '../sandbox/sandbox.js';
import type { FaultInjection, InjectedOutcome } from '../store/sandboxPort.js';
import { DIAGNOSTICS_PATH, escapeHtml } from './landing.js';

export const SANDBOX_PATH = '/sandbox';
export const SANDBOX_CLOCK_PATH = '/sandbox/orologio';
export const SANDBOX_FAULTS_PATH = '/sandbox/guasti';
/** Built by the request inspector and the conformance report (the other half of the sandbox). */
export const SANDBOX_REQUESTS_PATH = '/sandbox/richieste';
export const SANDBOX_CONFORMANCE_PATH = '/sandbox/conformita';

const OUTCOME_LABELS: Readonly<Record<InjectedOutcome, string>> = {
  non_disponibile: 'servizio non disponibile (fault soap:Server, HTTP 503, Retry-After)',
  sovraccarico: 'sovraccarico (fault soap:Server, HTTP 503, Retry-After)',
  ritardo: 'ritardo, poi la risposta normale',
  manutenzione: 'manutenzione programmata (ricevutaNonOk 8002 con avviso 8003)',
  errore: 'ricevutaNonOk con un tipoErrore del catalogo',
};

/** The settings as JSON (Accept: application/json), for a vendor's test suite. */
export function sandboxJson(view: SandboxView): Record<string, unknown> {
  return {
    utente: view.username,
    ora: romeDateTime(view.now),
    oraReale: romeDateTime(view.realNow),
    scartoMs: view.offsetMs,
    scarto: describeOffset(view.offsetMs),
    guasto: view.fault === undefined ? null : faultJson(view.fault),
    limiti: { giorniMassimi: view.limits.maxShiftDays, rispostePerGuasto: view.limits.maxInjected, ritardoMassimoMs: view.limits.maxDelayMs },
    collegamenti: {
      orologio: SANDBOX_CLOCK_PATH,
      guasti: SANDBOX_FAULTS_PATH,
      richieste: SANDBOX_REQUESTS_PATH,
      conformita: SANDBOX_CONFORMANCE_PATH,
    },
  };
}

function faultJson(f: FaultInjection): Record<string, unknown> {
  return {
    esito: f.outcome,
    operazione: f.operation,
    rimanenti: f.remaining,
    totale: f.total,
    secondi: f.retryAfterS,
    ritardoMs: f.delayMs,
    tipoErrore: f.tipoErrore,
  };
}

function faultText(f: FaultInjection | undefined): string {
  const e = escapeHtml;
  if (f === undefined) return '<p>Nessun guasto impostato: le richieste ricevono la risposta normale.</p>';
  const detail =
    f.outcome === 'ritardo' ? `, ${f.delayMs} ms` : f.outcome === 'errore' ? `, tipoErrore ${e(f.tipoErrore ?? '')}` : f.retryAfterS !== null ? `, Retry-After ${f.retryAfterS} s` : '';
  const status = f.remaining === 0 ? 'esaurito: le richieste ricevono di nuovo la risposta normale' : `restano <strong>${f.remaining}</strong> risposte su ${f.total}`;
  return `<p>Guasto impostato: <strong>${e(OUTCOME_LABELS[f.outcome])}</strong>${detail}; operazione: ${f.operation === null ? 'tutte' : `<code>${e(f.operation)}</code>`}; ${status}.</p>`;
}

export function renderSandboxPage(view: SandboxView, message?: string): string {
  const e = escapeHtml;
  const operations = OPERATIONS.map((op) => `<option value="${e(op.name)}">${e(op.name)}</option>`).join('');
  const outcomes = (Object.keys(OUTCOME_LABELS) as InjectedOutcome[]).map((o) => `<option value="${o}">${e(o)}: ${e(OUTCOME_LABELS[o])}</option>`).join('');
  const codes = injectableCodes()
    .map(({ code, key }) => {
      const testo = DIAGNOSTICS[key].testo;
      return `<option value="${e(code)}">${e(code)} ${e(testo.length > 70 ? `${testo.slice(0, 70)}…` : testo)}</option>`;
    })
    .join('');
  const l = view.limits;
  return `<!DOCTYPE html>
<html lang="it">
<head><meta charset="utf-8"><title>Sandbox — sac-gateway</title></head>
<body>
<p><a href="/">← sac-gateway</a></p>
<h1>Sandbox</h1>
${message === undefined ? '' : `<p role="alert"><strong>${e(message)}</strong></p>`}
<p>Utente: <code>${e(view.username)}</code>. Le impostazioni valgono solo per le richieste di questo utente;
gli altri utenti non ne risentono. I dati del sandbox sono fittizi.</p>
<ul>
<li><strong>Viaggio nel tempo</strong>: la data e l'ora che il servizio considera attuali per le tue richieste
(data di rilascio, rettifica entro la prognosi, annullamento entro il giorno successivo, ricerca degli ultimi sei mesi,
fasce orarie, manutenzioni programmate, <code>dataRicezione</code>).</li>
<li><strong>Guasti simulati</strong>: le prossime N richieste ricevono la risposta scelta invece di quella normale.</li>
<li><a href="${SANDBOX_REQUESTS_PATH}">Ispettore delle richieste</a>: le ultime richieste e risposte del tuo utente.</li>
<li><a href="${SANDBOX_CONFORMANCE_PATH}">Rapporto di conformità</a>: operazioni e diagnostiche provate, avvertenze ricevute.</li>
</ul>

<h2>Viaggio nel tempo</h2>
<p>Ora reale: <code>${e(romeDateTime(view.realNow))}</code><br>
Ora per le tue richieste: <code>${e(romeDateTime(view.now))}</code> (scarto: ${e(describeOffset(view.offsetMs))})</p>
<form method="post" action="${SANDBOX_CLOCK_PATH}">
<p><label>Istante (ora italiana) <input type="datetime-local" name="istante"></label>
oppure <label>scarto <input type="text" name="scarto" placeholder="+3d, -1d12h, +90m" size="12"></label>
<button type="submit">Imposta</button></p>
</form>
<form method="post" action="${SANDBOX_CLOCK_PATH}"><input type="hidden" name="azione" value="ripristina"><button type="submit">Torna all'ora reale</button></form>
<p>L'orologio continua a scorrere dall'istante scelto; al massimo ${l.maxShiftDays} giorni avanti o indietro.</p>

<h2>Guasti simulati</h2>
${faultText(view.fault)}
<form method="post" action="${SANDBOX_FAULTS_PATH}">
<p><label>Esito <select name="esito">${outcomes}</select></label></p>
<p><label>Numero di richieste (1–${l.maxInjected}) <input type="number" name="numero" min="1" max="${l.maxInjected}" value="3"></label>
<label>Solo l'operazione <select name="operazione"><option value="">tutte</option>${operations}</select></label></p>
<p><label>Retry-After in secondi (${RETRY_AFTER_BOUNDS.min}–${RETRY_AFTER_BOUNDS.max}, per non_disponibile e sovraccarico) <input type="number" name="secondi" min="${RETRY_AFTER_BOUNDS.min}" max="${RETRY_AFTER_BOUNDS.max}" value="${RETRY_AFTER_BOUNDS.fallback}"></label></p>
<p><label>Ritardo in ms (1–${l.maxDelayMs}, per ritardo) <input type="number" name="ritardoMs" min="1" max="${Math.max(1, l.maxDelayMs)}" value="${Math.min(2000, Math.max(1, l.maxDelayMs))}"></label></p>
<p><label>tipoErrore (per errore) <select name="tipoErrore">${codes}</select></label></p>
<p><button type="submit">Imposta il guasto</button></p>
</form>
<form method="post" action="${SANDBOX_FAULTS_PATH}"><input type="hidden" name="azione" value="annulla"><button type="submit">Annulla il guasto</button></form>
<p>Una manutenzione simulata dura ${INJECTED_STOP_MS / 60_000} minuti dall'istante della richiesta (secondo il tuo orologio).
I testi delle diagnostiche sono nel <a href="${DIAGNOSTICS_PATH}">catalogo</a>; in un errore simulato le parti variabili compaiono come <code>[nome]</code>.</p>

<h2>Da un programma</h2>
<p>Le stesse operazioni con le credenziali HTTP Basic del servizio; con <code>Accept: application/json</code> la risposta è JSON.</p>
<pre>curl -u UTENTE:PASSWORD -H 'Accept: application/json' URL${SANDBOX_PATH}
curl -u UTENTE:PASSWORD -H 'Accept: application/json' -d scarto=+2d URL${SANDBOX_CLOCK_PATH}
curl -u UTENTE:PASSWORD -H 'Accept: application/json' -d esito=non_disponibile -d numero=3 -d secondi=1 URL${SANDBOX_FAULTS_PATH}
curl -u UTENTE:PASSWORD -H 'Accept: application/json' -d azione=annulla URL${SANDBOX_FAULTS_PATH}</pre>
</body>
</html>
`;
}
