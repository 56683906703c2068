/** The store's health, as admission control, /healthz and shutdown see it. */
export interface StoreHealth {
  /** Why the store cannot take writes now, or undefined while it can (synchronous and cheap: read per request). */
  writeFailure(): Error | undefined;
  /** Writes of this process waiting for their commit (synchronous and cheap: admission control refuses beyond a limit). */
  pendingWrites(): number;
  /** Waits for the writes sent (committed by then), then releases the engine (file, pool). */
  close(): Promise<void>;
}
