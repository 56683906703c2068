/**
 * The INPS side over HTTP (issue 12, points 4 and 5), in its own plugin scope
 * behind the same drain, admission control, login and per-user rate limit as
 * the SOAP services (callerGate.ts):
 *
 *   GET /inps/datore/attestati.xml?dal=&al=   the employer's listaAttestati (ISO-8859-1)
 *   GET /inps/datore/attestati.csv?dal=&al=   the same records as CSV
 *   GET /inps/lavoratore/documenti.json[?dal=&al=]   the worker's own documents (those whose absence touches the period), with links to their PDFs
 *   GET /inps/stampa/{id}.pdf[?allegato=A..E] a printed copy the user is entitled to
 *
 * Every read goes through InpsConsultation (src/inps/consultation.ts: who
 * may see what, and the access journal), with a journal bound to the
 * request. Refusals are problem documents (problem.ts). A document that is
 * not the user's answers exactly as one that does not exist (404, 7020);
 * such failed look-ups are counted per user and per client address
 * (src/auth/failureThrottle.ts, SAC_LOOKUP_FAILURES), and past the limit
 * answered 429 with Retry-After, before any look-up.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SoapFault } from '../catalog/diagnostics.js';
import { codeOf } from '../errors.js';
import { attestatoOf, ricoveroOf } from '../inps/attestato.js';
import { InpsLimitError, MAX_PERIOD_DAYS, periodDays, type InpsConsultation, type ReadJournal } from '../inps/consultation.js';
import { formsOf } from '../inps/entitlement.js';
import type { InpsLookupThrottle } from '../inps/lookupThrottle.js';
import { CSV_CONTENT_TYPE, listaAttestatiCsv } from '../inps/exportCsv.js';
import { XML_CONTENT_TYPE, listaAttestatiXml } from '../inps/exportXml.js';
import type { Allegato } from '../print/model.js';
import type { CertificateRecord, RicoveroRecord, UserKind, UserRecord } from '../store/port.js';
import type { Admission } from './admission.js';
import { noteInpsRead } from './accessLog.js';
import type { Authenticator } from './authenticator.js';
import { gateCallers, type CallerAnswers } from './callerGate.js';
import type { Drain } from './drain.js';
import { knownFault } from './faultReply.js';
import { asAllegato, readQuery, type QueryRefusal } from './inpsQuery.js';
import { sendDiagnosticProblem, sendFaultProblem, sendUnauthorizedProblem } from './problem.js';
import type { UserRateLimit } from './userRateLimit.js';

export const INPS_EXPORT_XML_PATH = '/inps/datore/attestati.xml';
export const INPS_EXPORT_CSV_PATH = '/inps/datore/attestati.csv';
export const INPS_WORKER_DOCUMENTS_PATH = '/inps/lavoratore/documenti.json';
export const INPS_PRINT_PREFIX = '/inps/stampa/';

/** Longest protocol number looked up (PUCs are 10 to 18 digits); anything longer is not one. */
const MAX_ID_CHARS = 32;
const ID = /^[0-9A-Za-z]{1,32}$/;

/** Who the access journal names: the actor of one request. */
export interface JournalActor {
  readonly username: string;
  readonly clientAddress: string;
  readonly operation: string;
}

export interface InpsRoutesOptions {
  readonly consultation: InpsConsultation;
  /** The access journal bound to one request (src/sac/journal.ts bindJournal). */
  readonly journal: (actor: JournalActor) => ReadJournal;
  /** Failed look-ups per user and per client address, shared with AttestatiMalattia; undefined = no throttle. */
  readonly lookupThrottle: InpsLookupThrottle | undefined;
  readonly authenticator: Authenticator;
  readonly drain: Drain;
  readonly admission: Admission;
  readonly rateLimit: UserRateLimit;
}

const PROBLEM_ANSWERS: CallerAnswers = {
  refuse: (reply, fault, retryAfterS) => void sendFaultProblem(reply, fault, { retryAfterS }),
  unauthorized: (reply) => void sendUnauthorizedProblem(reply),
};

/** What every answer of these routes carries: never cached, never sniffed. */
function privateAnswer(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff');
}

/** A read past a bound of the INPS side (too many documents at once): 400 7022. */
function tooMany(reply: FastifyReply, massimo: number): FastifyReply {
  return sendDiagnosticProblem(privateAnswer(reply), 400, 'TROPPI_DOCUMENTI', { massimo, sezione: 'periodo' });
}

/** The operation a route's requests are journaled, logged and counted as (bounded: one per route). */
export function operationOf(route: string | undefined): string {
  if (route === undefined) return 'GET /inps';
  return route.startsWith(INPS_PRINT_PREFIX) ? 'GET /inps/stampa' : `GET ${route}`;
}

function refuseQuery(reply: FastifyReply, refusal: QueryRefusal): FastifyReply {
  return sendDiagnosticProblem(privateAnswer(reply), 400, refusal.key, refusal.params);
}

/** 403 2009 for a kind of user the route is not for. */
function wrongKind(reply: FastifyReply, user: UserRecord, servizio: string): FastifyReply {
  return sendDiagnosticProblem(privateAnswer(reply), 403, 'UTENTE_NON_ABILITATO', { tipo: user.kind, servizio, sezione: 'utente' });
}

/** A worker's certificate as their list shows it: the attestato's fields, the diagnosis, the links to its printed forms. */
function certificateEntry(record: CertificateRecord) {
  const doc = { tipo: 'certificato', record } as const;
  const { full, attestato } = formsOf(doc);
  const document = record.document;
  const diagnosi = document.malattia ? document.malattia.diagnosi : document.dimissione.diagnosi;
  return {
    idCertificato: record.idCertificato,
    tipo: record.kind,
    stato: record.state,
    dataRicezione: record.dataRicezione,
    diagnosi,
    attestato: attestatoOf(record),
    stampe: links(record.idCertificato, [full, attestato]),
  };
}

function ricoveroEntry(record: RicoveroRecord) {
  return {
    idInizioRicovero: record.idInizioRicovero,
    stato: record.state,
    dataRicezione: record.dataRicezione,
    ricovero: ricoveroOf(record),
    stampe: links(record.idInizioRicovero, ['E']),
  };
}

function links(id: string, forms: readonly Allegato[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const form of forms) out[form] = `${INPS_PRINT_PREFIX}${encodeURIComponent(id)}.pdf?allegato=${form}`;
  return out;
}

export async function inpsRoutes(app: FastifyInstance, options: InpsRoutesOptions): Promise<void> {
  const { consultation, drain } = options;
  const throttle = options.lookupThrottle;

  app.decorateRequest('caller', null);
  // GET only: no body is ever read here.
  app.removeAllContentTypeParsers();
  // Each request named for the access line and the metrics from the start, refusals of the gate included.
  await gateCallers(app, { ...options, answers: PROBLEM_ANSWERS, arrived: (request) => noteInpsRead(request, operationOf(request.routeOptions.url)) });

  app.setErrorHandler((err: unknown, request, reply) => {
    privateAnswer(reply);
    const known = knownFault(err, 0);
    if (known) {
      if (known.fault.key === 'UNAVAILABLE') request.log.error('store writer unavailable');
      return sendFaultProblem(reply, known.fault, { retryAfterS: known.options.retryAfterS });
    }
    const e = err instanceof Error ? err : new Error(String(err));
    request.log.error({ err: { message: e.message, code: codeOf(err), stack: e.stack } }, 'request failed');
    return sendFaultProblem(reply, new SoapFault('INTERNAL'));
  });

  /** The caller, when of one of `kinds`; else the 403 is sent and undefined. */
  const callerOf = (request: FastifyRequest, reply: FastifyReply, kinds: readonly UserKind[] | 'any', servizio: string): UserRecord | undefined => {
    const user = request.caller;
    if (user === null) throw new Error('INPS route without an authenticated caller');
    if (kinds !== 'any' && !kinds.includes(user.kind)) {
      wrongKind(reply, user, servizio);
      return undefined;
    }
    return user;
  };

  const journalFor = (request: FastifyRequest, user: UserRecord, operation: string): ReadJournal =>
    options.journal({ username: user.username, clientAddress: request.ip ?? '', operation });

  /** Run `work` counted as a call in flight (a shutdown waits for its journal entries). */
  const inFlight = async (reply: FastifyReply, work: () => Promise<FastifyReply>): Promise<FastifyReply> => {
    if (!drain.enter()) return sendFaultProblem(privateAnswer(reply), new SoapFault('SHUTTING_DOWN', { secondi: drain.retryAfterS }), { retryAfterS: drain.retryAfterS });
    try {
      return await work();
    } finally {
      drain.leave();
    }
  };

  // ---------------------------------------------------------------- the employer's export

  const exportRoute = (path: string, formato: 'xml' | 'csv'): void => {
    const operation = `GET ${path}`;
    app.get(path, async (request, reply) => {
      const user = callerOf(request, reply, ['datore'], `di esportazione degli attestati (${operation})`);
      if (user === undefined) return reply;
      const query = readQuery(request.url, { dal: 'data', al: 'data' }, ['dal', 'al']);
      if (!query.ok) return refuseQuery(reply, query.refusal);
      const dal = query.values.dal!;
      const al = query.values.al!;
      if (al < dal) return sendDiagnosticProblem(privateAnswer(reply), 400, 'PERIODO_INTERVALLO', { dal, al, sezione: 'al' });
      const days = periodDays(dal, al);
      if (days > MAX_PERIOD_DAYS) return sendDiagnosticProblem(privateAnswer(reply), 400, 'PERIODO_TROPPO_LUNGO', { giorni: days, massimo: MAX_PERIOD_DAYS, sezione: 'al' });
      return inFlight(reply, async () => {
        let read;
        try {
          read = await consultation.employerRecords(user.username, dal, al, journalFor(request, user, operation));
        } catch (err) {
          if (err instanceof InpsLimitError) return tooMany(reply, err.massimo);
          throw err;
        }
        const { header, records } = read;
        const chunks = formato === 'xml' ? listaAttestatiXml(header, records) : listaAttestatiCsv(header, records);
        return privateAnswer(reply)
          .type(formato === 'xml' ? XML_CONTENT_TYPE : CSV_CONTENT_TYPE)
          .header('content-disposition', `attachment; filename="attestati_${user.username}_${dal}_${al}.${formato}"`)
          .send(Readable.from(chunks, { objectMode: false }));
      });
    });
  };
  exportRoute(INPS_EXPORT_XML_PATH, 'xml');
  exportRoute(INPS_EXPORT_CSV_PATH, 'csv');

  // ---------------------------------------------------------------- the worker's documents

  {
    const operation = `GET ${INPS_WORKER_DOCUMENTS_PATH}`;
    app.get(INPS_WORKER_DOCUMENTS_PATH, async (request, reply) => {
      const user = callerOf(request, reply, ['lavoratore'], `di consultazione dei documenti del lavoratore (${operation})`);
      if (user === undefined) return reply;
      const query = readQuery(request.url, { dal: 'data', al: 'data' });
      if (!query.ok) return refuseQuery(reply, query.refusal);
      const { dal, al } = query.values;
      if (dal !== undefined && al !== undefined && al < dal) return sendDiagnosticProblem(privateAnswer(reply), 400, 'PERIODO_INTERVALLO', { dal, al, sezione: 'al' });
      return inFlight(reply, async () => {
        let read;
        try {
          read = await consultation.workerDocuments(user.username, journalFor(request, user, operation), { dal, al });
        } catch (err) {
          if (err instanceof InpsLimitError) return tooMany(reply, err.massimo);
          throw err;
        }
        const { certificati, ricoveri } = read;
        const body = {
          lavoratore: user.username,
          ...(dal !== undefined ? { dal } : {}),
          ...(al !== undefined ? { al } : {}),
          certificati: certificati.map(certificateEntry),
          ricoveri: ricoveri.map(ricoveroEntry),
        };
        return privateAnswer(reply).type('application/json; charset=utf-8').send(JSON.stringify(body));
      });
    });
  }

  // ---------------------------------------------------------------- printed copies

  {
    const operation = 'GET /inps/stampa';
    const notFound = (reply: FastifyReply): FastifyReply => sendDiagnosticProblem(privateAnswer(reply), 404, 'DOCUMENTO_NON_TROVATO', { sezione: 'id' });
    app.get(`${INPS_PRINT_PREFIX}:file`, async (request, reply) => {
      const user = callerOf(request, reply, 'any', operation);
      if (user === undefined) return reply;
      const query = readQuery(request.url, { allegato: 'allegato' });
      if (!query.ok) return refuseQuery(reply, query.refusal);
      const form = asAllegato(query.values.allegato);

      const clientAddress = request.ip ?? '';
      const refusal = throttle?.refusal(user.username, clientAddress);
      if (refusal !== undefined) {
        const secondi = Math.max(1, Math.ceil(refusal.waitMs / 1000));
        const key = refusal.who === 'utente' ? 'TROPPE_RICERCHE_FALLITE' : 'TROPPE_RICERCHE_FALLITE_INDIRIZZO';
        return sendDiagnosticProblem(privateAnswer(reply), 429, key, { operazione: operation, ora: refusal.ora }, { retryAfterS: secondi });
      }
      const failed = (): FastifyReply => {
        throttle?.failed(user.username, clientAddress);
        return notFound(reply);
      };

      const file = (request.params as { file?: string }).file ?? '';
      const id = file.endsWith('.pdf') ? file.slice(0, -4) : '';
      return inFlight(reply, async () => {
        const journal = journalFor(request, user, operation);
        if (id.length > MAX_ID_CHARS || !ID.test(id)) {
          // Not a protocol number: answered, journaled and counted as one that does not exist.
          journal.denied('certificato', id === '' ? file : id);
          return failed();
        }
        const found = await consultation.lookUp({ by: 'utente', user }, id, journal);
        if (found === undefined) return failed();
        // The forms are the consultation's answer (the full one first): the default is the first.
        const chosen = form ?? found.forms[0]!;
        if (!found.forms.includes(chosen)) {
          return sendDiagnosticProblem(privateAnswer(reply), 403, 'ALLEGATO_NON_SPETTANTE', { allegato: chosen, ammessi: found.forms.join(', '), sezione: 'allegato' });
        }
        const pdf = await consultation.printEntitled(found, chosen);
        return privateAnswer(reply)
          .type('application/pdf')
          .header('content-disposition', `inline; filename="allegato-${chosen}_${id}.pdf"`)
          .send(pdf);
      });
    });
  }
}
