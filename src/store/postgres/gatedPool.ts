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

type ConnectCallback = (err: Error | undefined, client?: pg.PoolClient, done?: (release?: unknown) => void) => void;

export class GatedPool extends pg.Pool {
  /** Why the store cannot be reached now (last connection failure, failed migration, closed), or undefined. */
  failure: Error | undefined;
  private gate: Promise<void> = Promise.resolve();

  /** Every connection waits for `ready`; its rejection is every later connection's (as StoreUnavailableError). */
  gateOn(ready: Promise<void>): void {
    this.gate = ready.catch((err: unknown) => {
      const failure = err instanceof StoreUnavailableError ? err : new StoreUnavailableError(`PostgreSQL store not prepared: ${err instanceof Error ? err.message : String(err)}`);
      this.failure = failure;
      throw failure;
    });
    // Nobody may be waiting yet: the rejection is answered to each later caller.
    this.gate.catch(() => undefined);
  }

  /** A connection without the gate: for the migrations themselves. */
  connectUngated(): Promise<pg.PoolClient> {
    return super.connect();
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    const connected = this.gate.then(() => super.connect()).then(
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
