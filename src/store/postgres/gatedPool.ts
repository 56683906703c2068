/**
 * The adapter's pool, gated by its migrations and watched for its health:
 * every connection (hence every query and transaction, including pg's own
 * `pool.query`) waits for `ready` (the migrations, run once in the
 * background) and is refused with StoreUnavailableError when they failed.
 * The last connection failure is kept as state, cleared by the next
 * successful connection: `failure` is read per request (/healthz) and costs
 * no query.
 */
import pg from 'pg';
import { StoreUnavailableError } from '../errors.js';
import { isConnectionFailure } from './transactions.js';

type ConnectCallback = (err: Error | undefined, client?: pg.PoolClient, done?: (release?: unknown) => void) => void;

/** How often, at most, a failed store tries a connection of its own (asked by writeFailure: /healthz), ms. */
const PROBE_INTERVAL_MS = 1_000;

export class GatedPool extends pg.Pool {
  /** Why the store cannot be reached now (last connection failure, failed migration), or undefined. */
  failure: Error | undefined;
  private prepare: (() => Promise<void>) | undefined;
  private gate: Promise<void> | undefined = Promise.resolve();
  private probing = false;
  private probedAt = -Infinity;

  /**
   * Every connection waits for `prepare` (the migrations), run now. Its
   * rejection is every later connection's (as StoreUnavailableError), except
   * when the server could not be reached: then the next connection prepares
   * again (a node started while the database was away recovers by itself).
   */
  gateOn(prepare: () => Promise<void>): Promise<void> {
    this.prepare = prepare;
    return this.arm();
  }

  private arm(): Promise<void> {
    const gate: Promise<void> = (this.prepare ?? (async () => {}))().catch((err: unknown) => {
      const failure = err instanceof StoreUnavailableError ? err : new StoreUnavailableError(`PostgreSQL store not prepared: ${err instanceof Error ? err.message : String(err)}`);
      this.failure = failure;
      if ((err instanceof StoreUnavailableError || isConnectionFailure(err)) && this.gate === gate) this.gate = undefined;
      throw failure;
    });
    // Nobody may be waiting yet: the rejection is answered to each later caller.
    gate.catch(() => undefined);
    this.gate = gate;
    return gate;
  }

  /** While failed: one connection of its own at most every PROBE_INTERVAL_MS, so that the failure clears without traffic. */
  probe(): void {
    const now = performance.now();
    if (this.probing || now - this.probedAt < PROBE_INTERVAL_MS) return;
    this.probing = true;
    this.probedAt = now;
    this.connect().then(
      (client) => {
        client.release();
        this.probing = false;
      },
      () => {
        this.probing = false;
      },
    );
  }

  /** A connection without the gate: for the migrations themselves. */
  connectUngated(): Promise<pg.PoolClient> {
    return super.connect();
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    const connected = (this.gate ?? this.arm()).then(() => super.connect()).then(
      (client) => {
        this.failure = undefined;
        return client;
      },
      (err: unknown) => {
        if (!(err instanceof StoreUnavailableError) || this.failure === undefined) this.failure = err instanceof Error ? err : new Error(String(err));
        throw err;
      },
    );
    if (callback === undefined) return connected;
    connected.then(
      (client) => callback(undefined, client, (release?: unknown) => client.release(release as boolean | Error | undefined)),
      (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
    );
  }
}
