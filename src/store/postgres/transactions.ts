/**
 * Transactions on the pool: each write is one transaction on one pooled
 * connection, retried from its start a bounded number of times when
 * PostgreSQL reports a serialization failure or a deadlock (nothing of the
 * failed attempt was committed), and its failure mapped to the store's
 * typed errors.
 */
import type pg from 'pg';
import { DuplicateKeyError, StoreUnavailableError, StoreWriteError } from '../errors.js';
import { GatewayError } from '../../errors.js';

/** Attempts of one transaction in all (the first and its retries). */
export const MAX_ATTEMPTS = 6;

/** SQLSTATEs after which the whole transaction is run again. */
const RETRYABLE = new Set(['40001', '40P01']);

/**
 * Thrown inside a transaction to have it rolled back and run again (e.g. a
 * racing twin's claim committed first). Never leaves inTransaction.
 */
export class RetryTransaction extends GatewayError {
  readonly name = 'RetryTransaction';
  readonly code = 'SAC_STORE_PG_RETRY';
}

/** Thrown inside a transaction to have it rolled back and `value` answered (a refused change writes nothing). Never leaves inTransaction. */
export class RollbackWith<T> extends GatewayError {
  readonly name = 'RollbackWith';
  readonly code = 'SAC_STORE_PG_ROLLBACK';
  constructor(readonly value: T) {
    super('rolled back');
  }
}

function sqlState(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof (err as { code: unknown }).code === 'string' ? (err as { code: string }).code : undefined;
}

/** The connection (not the statement) failed: the server went away, refused us, or is shutting down. */
export function isConnectionFailure(err: unknown): boolean {
  const code = sqlState(err);
  if (code !== undefined) {
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') return true;
    if (/^E[A-Z]+$/.test(code)) return true; // ECONNREFUSED, ECONNRESET, ETIMEDOUT, ENOTFOUND, EPIPE...
  }
  // "Query read timeout": no answer within the pool's query_timeout (a silent server); the connection is dropped.
  return err instanceof Error && /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable|Query read timeout/i.test(err.message);
}

/** A unique violation on one of these constraints/indexes is a reused protocol number. */
const PROTOCOL_KEYS: ReadonlyMap<string, string> = new Map([
  ['certificati_pkey', 'idCertificato'],
  ['ricoveri_pkey', 'idInizioRicovero'],
  ['annullamenti_certificati', 'idAnnullamento'],
  ['annullamenti_ricoveri', 'idAnnullamento'],
  ['certificati_rettifica_unica', 'rettificaDi'],
]);

/** A failure as the store's callers see it: ours as they are; a lost connection, a reused key, anything else. */
export function asStoreError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  if (isConnectionFailure(err)) return new StoreUnavailableError(`PostgreSQL unavailable: ${(err as Error).message}`);
  const code = sqlState(err);
  if (code === '23505') {
    const constraint = (err as { constraint?: string }).constraint ?? '';
    return new DuplicateKeyError(`${PROTOCOL_KEYS.get(constraint) ?? constraint} already used`);
  }
  return err instanceof Error ? new StoreWriteError(err.message, code) : new StoreWriteError(String(err));
}

export interface TransactionCounter {
  running: number;
  /** Attempts run again (serialization failure, deadlock, lost claim race), since start. */
  retried: number;
}

/**
 * Run `work` in one transaction (READ COMMITTED; the statements take the
 * row locks they need), committed before the promise settles. A retryable
 * failure runs it again, up to MAX_ATTEMPTS in all; a RollbackWith answers
 * its value after rolling back.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, counter?: TransactionCounter): Promise<T> {
  if (counter) counter.running++;
  try {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        // No connection (server down, pool busy beyond the timeout): nothing was written.
        throw err instanceof GatewayError ? err : new StoreUnavailableError(`PostgreSQL unavailable: ${err instanceof Error ? err.message : String(err)}`);
      }
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        if (isConnectionFailure(err)) {
          broken = true;
          throw asStoreError(err);
        }
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        if (err instanceof RollbackWith) return err.value as T;
        const retry = err instanceof RetryTransaction || RETRYABLE.has(sqlState(err) ?? '');
        if (!retry) throw asStoreError(err);
        if (attempt >= MAX_ATTEMPTS) {
          throw new StoreWriteError(`transaction abandoned after ${attempt} attempts (${err instanceof Error ? err.message : String(err)})`, sqlState(err));
        }
        if (counter) counter.retried++;
        // A short random pause: two racing transactions do not meet again at once.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
      } finally {
        client.release(broken);
      }
    }
  } finally {
    if (counter) counter.running--;
  }
}

/**
 * `work` on a checked-out connection, given back afterwards, or dropped when
 * the work failed: the server may have ended it, or its statement may still
 * be waiting on a silent server past query_timeout, and either would be
 * handed to the next caller. (inTransaction decides the same with its ROLLBACK.)
 */
export async function onConnection<T>(client: pg.PoolClient, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  let failed = false;
  try {
    return await work(client);
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    client.release(failed);
  }
}

/** A read on any pooled connection, its failure mapped like a write's. */
export async function read<R extends pg.QueryResultRow>(pool: pg.Pool, text: string, values: unknown[] = []): Promise<R[]> {
  try {
    return (await pool.query<R>(text, values)).rows;
  } catch (err) {
    throw asStoreError(err);
  }
}
