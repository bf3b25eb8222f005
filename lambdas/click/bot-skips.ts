/**
 * A count of the clicks redirected but not traced because they looked automated (a crawler's or
 * link preview's user agent, no user agent, a HEAD request), per offer and hour, in the Ops table.
 * The trace list reads it to explain an empty list: a newcomer's `curl` or a chat preview of an ad
 * link is a bot to isbot, and without the count nothing says why no trace appeared.
 *
 * Each execution environment counts in memory and writes its own item per offer and hour
 * (`botskips#<hour>` / `<offerId>#<instanceId>`) holding its running total, with a plain PutItem:
 * the click needs no UpdateItem, and a write that fails or never happens is made good by the next
 * one, which carries the whole total. Readers sum the items of an hour (a Query).
 *
 * A hint, not a statistic, so it is kept off the redirect's critical path: `record` only bumps the
 * count and never throws; the write happens after the response, at most one in flight and at most
 * one per `flushIntervalMs` per environment (a burst of crawler hits costs a write every few
 * seconds, not one per hit). What an environment counted after its last write is lost if it is
 * recycled first.
 *
 * Ports and shapes only: no AWS client is imported here (the click bundle stays lean).
 */

/** Ops item: pk `botskips#<hour>`, sk `<offerId>#<instanceId>`, `skipped` the running count, `expiresAt` (TTL). */
export const BOT_SKIPS_PK_PREFIX = 'botskips#';
/**
 * The same count, items and writes for clicks on an offer whose tracing an operator paused
 * (`pausedskips#<hour>`): the click has only PutItem on Ops, and a paused offer's clicks queue
 * nothing for the starter to count.
 */
export const PAUSED_SKIPS_PK_PREFIX = 'pausedskips#';
/** Kept two days: the trace list only ever looks at the last two hours. */
export const BOT_SKIPS_RETENTION_SECONDS = 2 * 86_400;
/** @default of BotSkipCounterOptions.flushIntervalMs */
export const BOT_SKIPS_FLUSH_INTERVAL_MS = 5_000;

const HOUR_MS = 3_600_000;

/** The UTC hour of a time, as its bucket name: `2026-11-23T14`. */
export const hourBucket = (ms: number): string => new Date(ms).toISOString().slice(0, 13);

/** One environment's item for an offer and hour. Offer ids never contain `#`, so `<offerId>#` prefixes exactly one offer's items. */
export const botSkipsKey = (hour: string, offerId: string, instanceId: string, pkPrefix = BOT_SKIPS_PK_PREFIX) => ({
  pk: `${pkPrefix}${hour}`,
  sk: `${offerId}#${instanceId}`,
});

export interface BotSkipCount {
  readonly offerId: string;
  readonly hour: string;
  readonly instanceId: string;
  /** This environment's total for the offer and hour so far. */
  readonly skipped: number;
  readonly expiresAt: number;
}

export interface BotSkipStore {
  /** Writes (creates or overwrites) one environment's running total. */
  put(count: BotSkipCount): Promise<void>;
}

export interface BotSkipCounterOptions {
  /** Names this environment's items. */
  readonly instanceId: string;
  /** @default 5_000 */
  readonly flushIntervalMs?: number;
  readonly clock?: () => number;
  /** A write failed; its total is written again with the next one. */
  readonly onError?: (error: unknown) => void;
}

interface Tally {
  offerId: string;
  hour: string;
  hourStart: number;
  total: number;
  written: number;
}

export class BotSkipCounter {
  private readonly tallies = new Map<string, Tally>();
  private readonly flushIntervalMs: number;
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private lastWriteAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: BotSkipStore,
    private readonly options: BotSkipCounterOptions,
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? BOT_SKIPS_FLUSH_INTERVAL_MS;
    this.clock = options.clock ?? Date.now;
  }

  /** Counts one skipped click. Synchronous and infallible: the redirect never waits for it. */
  record(offerId: string, now: number): void {
    try {
      const hour = hourBucket(now);
      const key = `${hour}|${offerId}`;
      const tally = this.tallies.get(key) ?? { offerId, hour, hourStart: Date.parse(`${hour}:00:00.000Z`), total: 0, written: 0 };
      tally.total++;
      this.tallies.set(key, tally);
      this.schedule();
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  /** Writes what is unwritten now and resolves when nothing is pending (tests; a graceful shutdown). */
  async settled(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.writing) await this.writing;
    if (this.unwritten().length) await this.flush();
  }

  private unwritten(): Tally[] {
    return [...this.tallies.values()].filter((t) => t.total > t.written);
  }

  /** The next write: after the response (a timer), and no sooner than flushIntervalMs after the last. */
  private schedule(): void {
    if (this.timer || this.writing) return;
    const wait = Math.max(0, this.lastWriteAt + this.flushIntervalMs - this.clock());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, wait);
  }

  private flush(): Promise<void> {
    this.writing ??= this.write().finally(() => {
      this.writing = undefined;
      if (this.unwritten().length) this.schedule();
    });
    return this.writing;
  }

  private async write(): Promise<void> {
    const now = this.clock();
    this.lastWriteAt = now;
    await Promise.all(
      this.unwritten().map(async (tally) => {
        const total = tally.total;
        try {
          await this.store.put({
            offerId: tally.offerId,
            hour: tally.hour,
            instanceId: this.options.instanceId,
            skipped: total,
            expiresAt: Math.floor(tally.hourStart / 1000) + BOT_SKIPS_RETENTION_SECONDS,
          });
          tally.written = Math.max(tally.written, total);
        } catch (error) {
          this.options.onError?.(error);
        }
      }),
    );
    // Totals of hours the readers no longer look at (they read the current and previous hour).
    for (const [key, tally] of this.tallies) {
      if (tally.written >= tally.total && tally.hourStart < now - 2 * HOUR_MS) this.tallies.delete(key);
    }
  }
}
