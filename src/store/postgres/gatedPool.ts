/**
 * The adapter's pool, gated by its migrations and watched for its health:
 * every connection (hence every query and transaction, including pg's own
 * `pool.query`) waits for `ready` (the migrations, run once in the
 * background) and is refused with StoreUnavailableError when they failed.
 * The last connection failure is kept as state, cleared by the next
 * successful connection: `failure` is read per request (/healthz) and costs
 * no query.
 */
import { createRequire } from 'node:module';
import type pg from 'pg';
import { StoreUnavailableError } from '../errors.js';
import { isConnectionFailure } from './transactions.js';

type ConnectCallback = (err: Error | undefined, client?: pg.PoolClient, done?: (release?: unknown) => void) => void;

/** How often, at most, a failed store tries a connection of its own (asked by writeFailure: /healthz), ms. */
const PROBE_INTERVAL_MS = 1_000;

/** The pool's own members, over pg.Pool's. */
export interface GatedPool extends pg.Pool {
  /** Why the store cannot be reached now (last connection failure, failed migration), or undefined. */
  failure: Error | undefined;
  /** Every connection waits for `prepare` (the migrations), run now. */
  gateOn(prepare: () => Promise<void>): Promise<void>;
  /** While failed: one connection of its own at most every PROBE_INTERVAL_MS. */
  probe(): void;
  /** A connection without the gate: for the migrations themselves. */
  connectUngated(): Promise<pg.PoolClient>;
}

let GatedPoolClass: (new (config: pg.PoolConfig) => GatedPool) | undefined;

/**
 * A new pool. `pg` (about 3 MB of heap) is loaded by the first one, not at
 * start-up: a gateway on SQLite never carries it, and every major GC of its
 * request processes scans the whole heap (measured: 1.9 MB more heap cost
 * ~10% CPU per InviaMalattia; the same effect as the PDF renderer's, issue 12).
 */
export function newGatedPool(config: pg.PoolConfig): GatedPool {
  if (GatedPoolClass === undefined) {
    const pgModule = createRequire(import.meta.url)('pg') as typeof pg;
    GatedPoolClass = gatedPoolClass(pgModule.Pool, preparingClientClass(pgModule.Client));
  }
  return new GatedPoolClass(config);
}

/** At most this many statement texts get a name; the store's statements are a fixed set well below it. */
const MAX_NAMED_STATEMENTS = 500;

/**
 * A client that sends each parameterized statement as a named prepared
 * statement (pg's `name`): every connection parses and plans it once, then
 * only binds and executes. Measured on InviaMalattia, one node: PostgreSQL's
 * CPU per request 621 -> 473 µs, the gateway's 339 -> 291 µs, 1,967 -> 2,445
 * req/s. Statements that select `*` stay unnamed: a later migration adding a
 * column would change their result type, and a prepared one would fail
 * ("cached plan must not change result type") on connections opened before
 * it; explicit column lists keep their type when columns are added.
 */
function preparingClientClass(Client: typeof pg.Client): typeof pg.Client {
  const names = new Map<string, string>();
  const nameOf = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined && names.size < MAX_NAMED_STATEMENTS && !text.includes('*')) {
      name = `sac_${names.size + 1}`;
      names.set(text, name);
    }
    return name;
  };
  class PreparingClient extends Client {
    // pg's overloads (text, values, callback; a config; a Submittable) all end here: only (text, values array) is named.
    override query(...args: unknown[]): never {
      const [text, values, callback] = args;
      const name = typeof text === 'string' && Array.isArray(values) ? nameOf(text) : undefined;
      const query = super.query as (...a: unknown[]) => never;
      return name === undefined ? query.apply(this, args) : query.call(this, { name, text, values }, callback);
    }
  }
  return PreparingClient;
}

function gatedPoolClass(Pool: typeof pg.Pool, Client: typeof pg.Client): new (config: pg.PoolConfig) => GatedPool {
  return class GatedPoolImpl extends Pool implements GatedPool {
    constructor(config: pg.PoolConfig) {
      super({ ...config, Client });
    }

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
  };
}
