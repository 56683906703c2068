/**
 * Idempotent resubmission: a new certificate's or admission's claim on its
 * request, stored with it in the same transaction, so a resubmission (or a
 * racing twin, on any node) finds it there. Keys are hashes
 * (src/sac/idempotency.ts): never a payload, never a pincode.
 */
export interface IdempotencyClaim {
  /** SHA-256 (base64) of the sender, the operation and the request's canonical form. */
  readonly requestKey: string;
  /** SHA-256 (base64) of the sender and the wsa:MessageID, when the request carried one. */
  readonly messageKey: string | null;
  /** When the request was received, in ms since the epoch (the handler's clock). */
  readonly at: number;
  /** Claims made before this instant (ms) have expired: they are ignored, and purged. */
  readonly notBefore: number;
}

/** What an earlier request with the same key created, still active: its receipt is answered again. */
export interface EarlierReceipt {
  readonly subjectKind: 'certificato' | 'ricovero';
  /** The PUC, or the PUCIR for an admission. */
  readonly id: string;
  readonly dataRicezione: string;
  /** A discharge certificate's admission (PUCIR). */
  readonly idInizioRicovero: string | null;
}

/**
 * Why a claimed write was not made: an earlier request with the same key
 * created what `replay` names; or the wsa:MessageID was already used by a
 * different request (`messageReused`).
 */
export type ClaimConflict = { readonly replay: EarlierReceipt } | { readonly messageReused: true };

export interface IdempotencyStore {
  /**
   * The conflict a claimed write would meet now, read without writing (for a
   * request that fails its checks: it may still be a resubmission of one that
   * passed them earlier). The write itself decides again, in its transaction.
   */
  findClaim(claim: IdempotencyClaim): Promise<ClaimConflict | undefined>;
}
