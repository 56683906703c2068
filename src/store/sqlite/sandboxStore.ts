/**
 * The sandbox's settings in the SQLite store: read on the request thread
 * through a small cache that any change (in any process) empties within
 * SANDBOX_EPOCH_MAX_AGE_MS, as users are (migration 7's epoch); written by
 * the single writer.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import { TtlCache } from '../ttlCache.js';
import {
  NO_SANDBOX_SETTINGS,
  SANDBOX_EPOCH_MAX_AGE_MS,
  type ClockShift,
  type FaultInjection,
  type SandboxSettings,
  type SandboxStore,
} from '../sandboxPort.js';
import { faultFromRow, type FaultRow, type ShiftRow } from './sandboxRows.js';
import type { WriteChannel } from './writeChannel.js';

/** Cached settings live this long at most even without a change (a safety net: the epoch decides). */
const SETTINGS_TTL_MS = 60_000;
/** Users whose settings are cached at once. */
const SETTINGS_CACHE_MAX = 10_000;

export class SqliteSandboxStore implements SandboxStore {
  private readonly stmt;
  private readonly cache = new TtlCache<string, SandboxSettings>(SETTINGS_TTL_MS, SETTINGS_CACHE_MAX);
  private epochSeen = -1;
  private epochReadAt = -Infinity;

  constructor(
    db: Database.Database,
    private readonly writer: WriteChannel,
  ) {
    this.stmt = {
      epoch: db.prepare<[], number>('SELECT epoch FROM sandbox_epoch WHERE id = 1').pluck(),
      shift: db.prepare<[string], ShiftRow>('SELECT offset_ms, set_at FROM sandbox_clock WHERE username = ?'),
      fault: db.prepare<[string], FaultRow>('SELECT * FROM sandbox_faults WHERE username = ?'),
    };
  }

  /** Nothing to prepare: settings() reads the file itself when its epoch read is stale. */
  async follow(): Promise<void> {}

  settings(username: string): SandboxSettings {
    const now = performance.now();
    if (now - this.epochReadAt >= SANDBOX_EPOCH_MAX_AGE_MS) {
      const epoch = this.stmt.epoch.get()!;
      this.epochReadAt = now;
      if (epoch !== this.epochSeen) {
        this.cache.clear();
        this.epochSeen = epoch;
      }
    }
    return this.cache.get(username, (name) => this.read(name));
  }

  private read(username: string): SandboxSettings {
    const shiftRow = this.stmt.shift.get(username);
    const faultRow = this.stmt.fault.get(username);
    if (shiftRow === undefined && faultRow === undefined) return NO_SANDBOX_SETTINGS;
    return {
      shift: shiftRow === undefined ? undefined : { offsetMs: shiftRow.offset_ms, setAt: shiftRow.set_at },
      fault: faultRow === undefined ? undefined : faultFromRow(faultRow),
    };
  }

  /** This process's own change is seen at once by its next request. */
  private changed(username: string): void {
    this.cache.delete(username);
    this.epochReadAt = -Infinity;
  }

  /**
   * A setting is answered once every process applies it: this one at once,
   * the others once their epoch read (at most SANDBOX_EPOCH_MAX_AGE_MS old) is
   * renewed; twice that, as `sac-gateway users` waits for users.
   */
  private async settled(username: string): Promise<void> {
    this.changed(username);
    await delay(2 * SANDBOX_EPOCH_MAX_AGE_MS);
  }

  async setShift(username: string, shift: ClockShift | undefined): Promise<void> {
    await this.writer.send({ op: 'sandbox', write: { kind: 'setShift', username, shift: shift ?? null } });
    await this.settled(username);
  }

  async setFault(username: string, fault: FaultInjection | undefined): Promise<void> {
    await this.writer.send({ op: 'sandbox', write: { kind: 'setFault', username, fault: fault ?? null } });
    await this.settled(username);
  }

  async takeFault(username: string, operation: string): Promise<FaultInjection | undefined> {
    const taken = (await this.writer.send({ op: 'sandbox', write: { kind: 'takeFault', username, operation } })) as FaultInjection | null;
    this.changed(username);
    return taken ?? undefined;
  }
}
