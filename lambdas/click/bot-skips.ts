/**
 * A count of the clicks redirected but not traced because they looked automated (a crawler's or
 * link preview's user agent, no user agent, a HEAD request), per offer and hour, in the Ops table.
 * The trace list reads it to explain an empty list: a newcomer's `curl` or a chat preview of an ad
 * link is a bot to isbot, and without the count nothing says why no trace appeared.
 *
 * A hint, not a statistic, so it is kept off the redirect's critical path: `record` only bumps an
 * in-memory count and never throws; the write happens after the response, one atomic ADD per
 * offer and hour, coalesced so an execution environment has at most one write in flight (a burst
 * of crawler hits costs a few writes, not one per hit). A write that fails, or that a frozen or
 * recycled environment never finishes, loses that count and nothing else.
 *
 * Ports and shapes only: no AWS client is imported here (the click bundle stays lean).
 */

/** Ops item: pk `botskips#<hour>`, sk the offer id, `skipped` the count, `expiresAt` (TTL). */
export const BOT_SKIPS_PK_PREFIX = 'botskips#';
/** Kept two days: the trace list only ever looks at the last two hours. */
export const BOT_SKIPS_RETENTION_SECONDS = 2 * 86_400;

/** The UTC hour of a time, as its bucket name: `2026-11-23T14`. */
export const hourBucket = (ms: number): string => new Date(ms).toISOString().slice(0, 13);

export const botSkipsKey = (hour: string, offerId: string) => ({ pk: `${BOT_SKIPS_PK_PREFIX}${hour}`, sk: offerId });

export interface BotSkipStore {
  /** Adds `count` to the offer's count for the hour (creating it), with its expiry. */
  add(offerId: string, hour: string, count: number, expiresAt: number): Promise<void>;
}

export class BotSkipCounter {
  private readonly pending = new Map<string, { offerId: string; hour: string; count: number; expiresAt: number }>();
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly store: BotSkipStore,
    private readonly onError: (error: unknown, lost: number) => void = () => undefined,
  ) {}

  /** Counts one skipped click. Synchronous and infallible: the redirect never waits for it. */
  record(offerId: string, now: number): void {
    try {
      const hour = hourBucket(now);
      const key = `${hour}|${offerId}`;
      const entry = this.pending.get(key);
      if (entry) entry.count++;
      else this.pending.set(key, { offerId, hour, count: 1, expiresAt: Math.floor(now / 1000) + BOT_SKIPS_RETENTION_SECONDS });
      this.flushing ??= this.flush();
    } catch (error) {
      this.onError(error, 1);
    }
  }

  /** Resolves once nothing is pending or being written (tests; a graceful shutdown). */
  async settled(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    try {
      // Let the handler return its response first: the writes start after it.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.pending.size) {
        const batch = [...this.pending.values()];
        this.pending.clear();
        await Promise.all(
          batch.map((e) => this.store.add(e.offerId, e.hour, e.count, e.expiresAt).catch((error: unknown) => this.onError(error, e.count))),
        );
      }
    } finally {
      this.flushing = undefined;
    }
  }
}
