/**
 * One certificate per visit: the keys under which InviaMalattia,
 * InviaRicovero and InviaDimissione claim what they create, and the answers
 * to a resubmission (docs/operations.md ("One certificate per visit")). The decision is the
 * store's, inside the transaction that creates the record.
 *
 * "Identical in substance": same sender (the authenticated username), same
 * operation, same canonical payload (src/xml/canonical.ts), where the worker's
 * codice fiscale counts decrypted and the pincode does not count at all (its
 * RSA PKCS#1 v1.5 ciphertext differs on every send, and the key must not hold
 * it in any form; it is verified on every request anyway). Only SHA-256
 * hashes are stored, never the payload.
 */
import { hash } from 'node:crypto';
import { diagnostic } from '../catalog/diagnostics.js';
import type { ClaimConflict, IdempotencyClaim } from '../store/port.js';
import { canonicalText } from '../xml/canonical.js';
import type { XmlObject } from '../xml/toObject.js';
import type { Outcome, Services } from './services.js';
import type { SoapHeaders } from '../soap/pipeline.js';

export type IdempotentOperation = 'InviaMalattia' | 'InviaRicovero' | 'InviaDimissione';

/** Never part of the key, at any depth. */
const OMITTED: ReadonlySet<string> = new Set(['pincode']);

function sha256(...parts: string[]): string {
  // NUL separates the parts: none of them can contain one (XML 1.0 forbids it, and so do usernames).
  // One-shot: about half the cost of a streamed hash with an update per part, on every creating request.
  return hash('sha256', `${parts.join('\0')}\0`, 'base64');
}

/**
 * The claim a creating request makes, or undefined when resubmission
 * detection is off (window 0). `workerCf` is the worker's codice fiscale as
 * decrypted (or as sent, when it could not be resolved).
 */
export function requestClaim(
  operation: IdempotentOperation,
  sender: string,
  payload: XmlObject,
  workerCf: string,
  headers: SoapHeaders | undefined,
  services: Services,
  now: Date,
): IdempotencyClaim | undefined {
  const windowMs = services.idempotencyWindowMs;
  if (windowMs <= 0) return undefined;
  const lavoratore = typeof payload.lavoratore === 'object' ? payload.lavoratore : {};
  const canonical = canonicalText({ ...payload, lavoratore: { ...lavoratore, codiceFiscale: workerCf } }, OMITTED);
  const at = now.getTime();
  const messageId = headers?.messageId;
  return {
    requestKey: sha256('richiesta', operation, sender, canonical),
    messageKey: messageId === undefined ? null : sha256('wsa:MessageID', sender, messageId),
    at,
    notBefore: at - windowMs,
  };
}

/** The answer to a request that met an earlier claim: the first receipt again, or the MessageID reuse. */
export function conflictOutcome(operation: IdempotentOperation, conflict: ClaimConflict): Outcome {
  if ('messageReused' in conflict) return { errors: [diagnostic('MESSAGE_ID_RIUSATO')] };
  const r = conflict.replay;
  switch (operation) {
    case 'InviaMalattia':
      return { ok: { dataRicezione: r.dataRicezione, idCertificato: r.id } };
    case 'InviaRicovero':
      return { ok: { dataRicezione: r.dataRicezione, idInizioRicovero: r.id } };
    case 'InviaDimissione':
      return { ok: { dataRicezione: r.dataRicezione, idInizioRicovero: r.idInizioRicovero ?? '', idCertificato: r.id } };
  }
}

/**
 * A request that failed its checks may still be the resubmission of one that
 * passed them (rules about "today" move on; the first one's record changed
 * what the checks see): the first receipt is answered if there is one.
 * Only failures pay for this read; a passing request is decided by the write.
 */
export async function unlessResubmitted(
  operation: IdempotentOperation,
  claim: IdempotencyClaim | undefined,
  failed: Outcome,
  services: Services,
): Promise<Outcome> {
  const conflict = claim && (await services.store.findClaim(claim));
  // A reused MessageID on a failing request: the failure is what the client must fix first.
  return conflict && 'replay' in conflict ? conflictOutcome(operation, conflict) : failed;
}
