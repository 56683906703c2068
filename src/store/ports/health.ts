/** The store's health, as admission control, /healthz and shutdown see it. */
export interface StoreHealth {
  /** Why the store cannot take writes now, or undefined while it can (synchronous and cheap: read per request). */
  writeFailure(): Error | undefined;
  /** Writes of this process waiting for their commit (synchronous and cheap: admission control refuses beyond a limit). */
  pendingWrites(): number;
  /**
   * A server engine's connections and retried transactions, for /metrics
   * (read at scrape time); absent for an embedded engine (SQLite).
   */
  connectionStats?(): ConnectionStats;
  /** Waits for the writes sent (committed by then), then releases the engine (file, pool). */
  close(): Promise<void>;
}

/** A server engine's pool, as an operator sizes it (README, "Settings that matter"). */
export interface ConnectionStats {
  /** Connections open to the server (busy or idle). */
  readonly open: number;
  readonly idle: number;
  /** Requests waiting for a connection (the pool is at SAC_DB_POOL_SIZE). */
  readonly waiting: number;
  /** Transactions run again after a serialization failure, a deadlock or a lost claim race, since start. */
  readonly retries: number;
}
