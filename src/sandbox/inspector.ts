/**
 * The sandbox's request inspector and the source of its conformance
 * warnings. Two hooks, both only installed when the sandbox is on:
 *   - `annotate`, asked by the SOAP pipeline once the payload is read: the
 *     warnings, answered as ricevutaVarie and remembered for the exchange;
 *   - `register`, in the SOAP scope: keeps each authenticated call's request
 *     and response (masked, cut) with what the gateway made of it, in the
 *     store (so every cluster worker sees every exchange of the user).
 * An anonymous or refused login never reaches it: it records only calls that
 * had an authenticated caller.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OPERATIONS, operationByRequestElement, soapActionOf, type OperationSpec } from '../contract/operations.js';
import { romeDateTime } from '../domain/dates.js';
import type { Annotate, Varie } from '../soap/pipeline.js';
import type { SandboxExchange, SandboxInspectStore, UserRecord } from '../store/port.js';
import type { XmlObject } from '../xml/toObject.js';
import { payloadWarnings, requestWarnings, warningEntries, type WarningCode } from './conformance.js';
import { bodyText, cut, maskHeaders, maskSecrets } from './mask.js';

export interface InspectorSettings {
  /** Exchanges kept per user. */
  readonly entries: number;
  /** Bytes kept of each body. */
  readonly bodyBytes: number;
}

/** What the HTTP layer knew of a call when its answer left (read from its own request decorations). */
export interface CallFacts {
  readonly caller: UserRecord | null;
  /** The operation, or undefined while the envelope never named one. */
  readonly operation: string | undefined;
  /** The catalog key of the fault (or 401) it was answered with; null otherwise. */
  readonly fault: string | null;
  /** tipoErrore codes of a ricevutaNonOk answer ([] for ricevutaOk); null when no ricevuta was answered. */
  readonly errors: readonly string[] | null;
}

export const UNKNOWN = 'sconosciuta';

export class SandboxInspector {
  /** The warnings the pipeline found for a body (keyed by the body's Buffer, which the request holds). */
  private readonly found = new WeakMap<Buffer, WarningCode[]>();

  constructor(
    private readonly store: SandboxInspectStore,
    private readonly settings: InspectorSettings,
    /** A failed store write of the inspector: reported, never fails the call. */
    private readonly onError: (err: unknown) => void,
  ) {}

  /** For the SOAP pipeline: the warnings of this call as ricevutaVarie entries. */
  readonly annotate: Annotate<UserRecord, OperationSpec> = (call, operation, payload) => {
    const codes = warningsOf(call.body, call.contentType, call.soapAction, operation, payload);
    this.found.set(call.body, codes);
    return codes.length === 0 ? undefined : (warningEntries(codes) satisfies Varie[]);
  };

  /**
   * In the SOAP scope: keep every authenticated call, stored before its
   * answer leaves, so a client that reads the inspector right after its call
   * finds it there (one write per call: the sandbox is not the hot path).
   */
  register(scope: FastifyInstance, factsOf: (request: FastifyRequest) => CallFacts): void {
    scope.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      const facts = factsOf(request);
      if (facts.caller === null) return payload;
      try {
        const sent = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? bodyText(payload) : '';
        await this.store.recordSandboxExchange(this.exchangeOf(request, reply, facts, facts.caller.username, sent), this.settings.entries);
      } catch (err) {
        this.onError(err);
      }
      return payload;
    });
  }

  private exchangeOf(request: FastifyRequest, reply: FastifyReply, facts: CallFacts, username: string, sent: string): SandboxExchange {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const known = facts.operation === undefined ? undefined : OPERATIONS.find((op) => op.name === facts.operation);
    const operation = known ?? sniffOperation(body);
    const soapAction = request.headers.soapaction;
    const warnings =
      this.found.get(body) ??
      warningsOf(body, request.headers['content-type'], Array.isArray(soapAction) ? soapAction[0] : soapAction, operation, undefined);
    // Cut first, then masked: the masking's work is bounded by the kept size (and an element the cut left open is masked to the end).
    const kept = cut(bodyText(body), this.settings.bodyBytes);
    const requestBody = { text: maskSecrets(kept.text), truncated: kept.truncated };
    const responseBody = cut(sent, this.settings.bodyBytes);
    const outcome: SandboxExchange['outcome'] =
      facts.fault !== null || facts.errors === null ? 'fault' : facts.errors.length > 0 ? 'ricevutaNonOk' : 'ricevutaOk';
    return {
      at: romeDateTime(new Date()),
      username,
      operation: operation?.name ?? UNKNOWN,
      status: reply.statusCode,
      outcome,
      codes: outcome === 'fault' ? [facts.fault ?? `HTTP_${reply.statusCode}`] : [...facts.errors!],
      warnings,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
      requestHeaders: maskHeaders(request.headers),
      requestBody: requestBody.text,
      requestTruncated: requestBody.truncated,
      responseBody: responseBody.text,
      responseTruncated: responseBody.truncated,
    };
  }
}

function warningsOf(
  body: Buffer,
  contentType: string | undefined,
  soapAction: string | undefined,
  operation: OperationSpec | undefined,
  payload: XmlObject | undefined,
): WarningCode[] {
  const codes = requestWarnings({
    body,
    contentType,
    soapAction,
    operation: operation === undefined ? undefined : { name: operation.name, action: soapActionOf(operation) },
  });
  if (payload !== undefined) codes.push(...payloadWarnings(payload));
  return codes;
}

/**
 * The operation a body names, read without parsing (it may not be XML, or
 * the pipeline refused it before naming one): the first element inside the
 * SOAP Body whose local name is a request element of the contract.
 */
export function sniffOperation(body: Buffer): OperationSpec | undefined {
  const head = body.subarray(0, 16_384).toString('latin1');
  const bodyAt = head.search(/<(?:[\w.-]+:)?Body[\s>]/);
  if (bodyAt === -1) return undefined;
  const first = /<(?:[\w.-]+:)?([\w.-]+)[\s/>]/.exec(head.slice(bodyAt + 5));
  return first === null ? undefined : operationByRequestElement(first[1]!);
}
