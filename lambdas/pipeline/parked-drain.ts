/**
 * Draining the clicks the click path parked while SQS was down, at the queue's own speed.
 *
 * The parked partition is sorted by the time in each item's key (lambdas/traces/trace-sink.ts).
 * A run reads it in key order from a cursor up to a settle bound, cuts it into SendMessageBatch
 * calls of up to 10 requests, several in flight (pages are read ahead while the senders work), and
 * moves the cursor over what SQS accepted. Nothing is deleted: DynamoDB's TTL removes the items
 * (PARKED_RETENTION_DAYS after their key's time), so a click costs a send and a share of a page
 * read, where deleting it would cost a write as well.
 *
 * Why no parked click can land below the cursor: a run reads only keys older than its start minus
 * `settleMs` (PARKED_SETTLE_MS), and a write of a parked item reaches DynamoDB less than that after
 * its key's time — it is signed within PARK_SIGN_WINDOW_MS of it, or within the invocation of a
 * function that awaits its park, and AWS refuses it once its signature has expired. So every item
 * with a key the cursor passes was written before the run's (strongly consistent) read and was in
 * it; a write whose key is older than the cursor would have had to take longer than the margin,
 * which the signing window and the signature's expiry rule out. A park that could not be signed in
 * time takes a fresh key (the current time), above every cursor.
 *
 * Nothing is lost: the cursor moves only over keys SQS accepted (or that were parked again, below),
 * by a write conditional on the version the run claimed, so two runs never both move it (a run
 * claims the drain first; a second one finds it held and does nothing). A crash between sends and
 * the next cursor write sends those clicks again — about `cursorEvery`, at most twice that — and
 * the starter makes the copy a no-op (the click-id claim is the trace's own, the trace record is
 * created only if absent, the execution is named after trace and attempt; the copy does spend a
 * token of the offer's trace budget). A send that fails stops
 * the run; the clicks accepted past the failed one are recorded with the cursor (`above`), so the
 * next run sends only what was not accepted. A click SQS refuses is parked again under a fresh key
 * before the cursor passes it, so one bad message never holds up the others.
 *
 * Kept whole (a little over 400 lines): the argument above is about how its read-ahead, senders
 * and cursor writes interleave, and it is easier to check with all three on one screen.
 */
import type { TraceRequest } from '../traces/trace-request';
import { FUNCTIONS, type FunctionDef } from '../../contracts/manifest/functions';
import { PARK_SIGN_WINDOW_MS, parkKeyBefore } from '../traces/trace-sink';

/**
 * The most AWS accepts a signed request after the time it was signed at: 5 minutes for most
 * services, 15 for some; the longer is assumed.
 */
export const SIGNATURE_VALIDITY_MS = 15 * 60_000;
/**
 * How far apart two functions' clocks may be (a key made on one is compared with the clock of
 * another). Lambda hosts keep NTP time, within milliseconds; a minute is a wide allowance.
 */
export const CLOCK_SKEW_MS = 60_000;

/** The functions that may park a trace request: they send trace requests and put items in Ops. */
export const parkingFunctions = (functions: readonly FunctionDef[]): FunctionDef[] =>
  functions.filter((f) => f.queues?.TraceRequests === 'send' && f.tables?.Ops?.includes('PutItem'));

/**
 * How old a parked key must be before a run reads it: longer than any write of a parked item can
 * take to land. Such a write is signed within PARK_SIGN_WINDOW_MS of its key's time (the click,
 * whose hand-off may outlive its invocation, makes sure of it), or within the invocation of a
 * function that awaits its park (its timeout: Lambda ends it there); it lands, if ever, before
 * its signature expires.
 */
export function settleMarginMs(functions: readonly FunctionDef[]): number {
  const longestInvocationMs = Math.max(0, ...parkingFunctions(functions).map((f) => (f.timeoutSeconds ?? 10) * 1000));
  return Math.max(PARK_SIGN_WINDOW_MS, longestInvocationMs) + SIGNATURE_VALIDITY_MS + CLOCK_SKEW_MS;
}

export const PARKED_SETTLE_MS = settleMarginMs(FUNCTIONS);

export interface ParkedRequest {
  /** The item's sort key (a UUIDv7: the traceId, or a fresh key). */
  readonly key: string;
  readonly request: TraceRequest;
  /** The request as the message body, when the store keeps it so (sent as it is). */
  readonly body?: string;
}

export interface ParkedPage {
  readonly items: readonly ParkedRequest[];
  /** The last key read, where the next page starts; absent on the last page. */
  readonly next?: string;
}

/** Where the drain is: every key up to `position`, and the keys in `above`, were handed over. */
export interface ParkedCursor {
  readonly position?: string;
  /** Keys past `position` handed over too: accepted past one that failed, or still in flight. */
  readonly above: readonly string[];
  /** Moved by every claim and every cursor write: a run writes only over the version it claimed. */
  readonly version: number;
}

/** The parked partition, drain side (lambdas/traces/trace-queue.ts). */
export interface ParkedRequestStore {
  /** Takes the drain until `until` (epoch ms) unless another run holds it; undefined when one does. */
  claim(now: number, until: number): Promise<ParkedCursor | undefined>;
  /**
   * Keys after `after` and below `before` (both exclusive) in key order, `limit` at most; `start`
   * (a page's `next`) continues a read past the last key of the page before.
   */
  page(limit: number, range: { readonly after?: string; readonly before: string }, start?: string): Promise<ParkedPage>;
  /** Writes the cursor over `version` (becoming version + 1); false when another run claimed it since. */
  advance(version: number, cursor: { readonly position?: string; readonly above: readonly string[] }, release: boolean): Promise<boolean>;
  /** Parks the request again under a fresh key, so the cursor may pass its old one. */
  repark(request: TraceRequest, reason: string): Promise<void>;
}

/** SendMessageBatch (lambdas/traces/trace-queue.ts). */
export interface TraceBatchQueue {
  /**
   * Sends up to 10 requests in one call (as `bodies`, when given: each request's JSON); returns the
   * indexes SQS refused (the rest were accepted). Throws when the call itself failed (nothing can
   * be assumed sent).
   */
  sendBatch(requests: readonly TraceRequest[], bodies?: readonly string[]): Promise<number[]>;
}

export interface ParkedDrainDeps {
  readonly store: ParkedRequestStore;
  readonly queue: TraceBatchQueue;
  readonly clock: () => number;
  /** Epoch ms after which no new batch is started. */
  readonly stopAt: number;
  /** Until when the run holds the drain: when the invocation ends. @default stopAt */
  readonly leaseUntil?: number;
  /** Only keys older than this are read. @default PARKED_SETTLE_MS */
  readonly settleMs?: number;
  /** SendMessageBatch calls in flight. @default 10 */
  readonly concurrency?: number;
  /** Items per Query page (a page is at most 1 MB whatever this says). @default 1000 */
  readonly pageSize?: number;
  /** Accepted clicks between two cursor writes (what a crash would send again, about). @default 1000 */
  readonly cursorEvery?: number;
  readonly onError?: (what: 'claim' | 'page' | 'send' | 'repark' | 'cursor', error: unknown) => void;
}

export interface ParkedDrainSummary {
  /** Accepted by SQS. */
  sent: number;
  /** Refused by SQS, parked again under a fresh key. */
  reparked: number;
  /** Not handed over (their send or re-park failed): the next run sends them. */
  failed: number;
  /** Handed over but not recorded by a cursor write (it failed, or another run took over): sent again later. */
  unrecorded: number;
  pages: number;
  /** Another run held the drain: this one did nothing. */
  busy: boolean;
  /** Every parked click old enough was handed over, and the cursor says so. */
  complete: boolean;
}

/** SendMessageBatch's limits: 10 entries, and (the lower of SQS's limits over time) 256 KiB in all. */
export const BATCH_MAX_ENTRIES = 10;
export const BATCH_MAX_BYTES = 256 * 1024;
/** The first page's size; each next one is 4 times larger, up to `pageSize`. */
const FIRST_PAGE = 100;
/** Keys kept in the cursor's `above` at most; beyond, the rest are sent again (a duplicate, never a loss). */
const MAX_ABOVE = 2000;

/** What SQS counts against a batch's size: body and attributes (the `source` string attribute). */
export const messageBytes = (request: TraceRequest, body = JSON.stringify(request)): number =>
  Buffer.byteLength(body, 'utf8') + 'source'.length + 'String'.length + Buffer.byteLength(request.source, 'utf8');

/** Consecutive runs of at most 10 requests and 256 KiB (a single larger request goes alone). */
export function toBatches<T extends ParkedRequest>(items: readonly T[]): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = messageBytes(item.request, item.body);
    if (current.length && (current.length === BATCH_MAX_ENTRIES || bytes + size > BATCH_MAX_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length) batches.push(current);
  return batches;
}

/** A key read by this run, in key order. */
interface Entry {
  readonly key: string;
  state: 'pending' | 'done' | 'failed';
}
type Item = ParkedRequest & { readonly entry: Entry };

export async function drainParked(deps: ParkedDrainDeps): Promise<ParkedDrainSummary> {
  const concurrency = Math.max(1, deps.concurrency ?? 10);
  const pageSize = Math.max(1, deps.pageSize ?? 1000);
  const cursorEvery = Math.max(1, deps.cursorEvery ?? 1000);
  const readAhead = 2 * pageSize;
  const onError = deps.onError ?? (() => undefined);
  const summary: ParkedDrainSummary = { sent: 0, reparked: 0, failed: 0, unrecorded: 0, pages: 0, busy: false, complete: false };

  const now = deps.clock();
  let cursor: ParkedCursor | undefined;
  try {
    cursor = await deps.store.claim(now, Math.max(deps.leaseUntil ?? deps.stopAt, deps.stopAt));
  } catch (error) {
    onError('claim', error);
    return summary;
  }
  if (!cursor) return { ...summary, busy: true };
  let version = cursor.version;
  const previous = cursor;
  const before = parkKeyBefore(now - (deps.settleMs ?? PARKED_SETTLE_MS));

  // The keys this run read, in order; entries[0, head) are all handed over.
  const entries: Entry[] = [];
  let head = 0;
  const seenAbove = new Set(previous.above);
  let done = 0;
  let recorded = 0;
  let halted = false; // a send failed, or another run took the drain: start nothing more
  let lostClaim = false;
  let deadline = false;

  // Pages are read ahead of the senders (up to `readAhead` clicks buffered), which take batches
  // from `buffer`. The first pages are small, so sending starts at once; and no page is read that
  // the run would not have time to send (the next run would read it again).
  let more = previous.position === undefined || previous.position < before;
  let next: string | undefined;
  let requested = 0;
  let reading: Promise<void> | undefined;
  const buffer: Item[][] = [];
  let buffered = 0;
  let readFailed = false;
  let firstSendAt: number | undefined;

  /** Whether what is buffered leaves time, at the rate so far, to send another page before stopAt. */
  const timeForMore = () => {
    const now = deps.clock();
    if (now >= deps.stopAt) return false;
    if (firstSendAt === undefined || done === 0) return true;
    return now + (buffered * (now - firstSendAt)) / done < deps.stopAt;
  };

  const landed = (page: ParkedPage) => {
    summary.pages++;
    next = page.next;
    more = page.next !== undefined;
    const toSend: Item[] = [];
    for (const item of page.items) {
      const entry: Entry = { key: item.key, state: seenAbove.has(item.key) ? 'done' : 'pending' };
      entries.push(entry);
      if (entry.state === 'pending') toSend.push({ ...item, entry });
    }
    buffer.push(...toBatches(toSend));
    buffered += toSend.length;
  };

  const read = () => {
    const limit = Math.min(pageSize, FIRST_PAGE * 4 ** requested++);
    const tracked: Promise<void> = Promise.resolve()
      .then(() => deps.store.page(limit, { after: previous.position, before }, next))
      .then(landed, (error: unknown) => {
        more = false;
        readFailed = true;
        onError('page', error);
      })
      .finally(() => {
        if (reading === tracked) reading = undefined;
        readOn();
      });
    reading = tracked;
  };
  const readOn = () => {
    if (!reading && more && !halted && buffered < readAhead && timeForMore()) read();
  };

  const nextBatch = async (): Promise<Item[] | undefined> => {
    for (;;) {
      const batch = buffer.shift();
      if (batch) {
        buffered -= batch.length;
        readOn();
        return batch;
      }
      if (!reading) {
        if (!more || halted || deps.clock() >= deps.stopAt) return undefined;
        read();
      }
      await reading;
    }
  };

  // The cursor: written over the claimed version, one write at a time, every `cursorEvery`
  // accepted clicks and at the end. Senders wait while too many accepted clicks are unrecorded.
  let writing: Promise<void> | undefined;
  let waiters: (() => void)[] = [];
  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve();
  };

  const cursorNow = (): { position?: string; above: string[] } => {
    while (head < entries.length && entries[head]!.state === 'done') head++;
    const position = head > 0 ? entries[head - 1]!.key : previous.position;
    const lastRead = entries.at(-1)?.key;
    const above = [
      ...entries
        .slice(head)
        .filter((e) => e.state === 'done')
        .map((e) => e.key),
      // Recorded by an earlier run past what this one read: still true.
      ...previous.above.filter((k) => (position === undefined || k > position) && (lastRead === undefined || k > lastRead)),
    ].slice(0, MAX_ABOVE);
    return { ...(position !== undefined ? { position } : {}), above };
  };

  const writeCursor = async (release: boolean) => {
    const next = cursorNow();
    const upTo = done;
    try {
      if (await deps.store.advance(version, next, release)) {
        version++;
        recorded = upTo;
      } else {
        lostClaim = halted = true;
      }
    } catch (error) {
      // Sending on would only add to what the next run sends again.
      halted = true;
      onError('cursor', error);
    }
  };
  const write = (release: boolean): Promise<void> => {
    const tracked: Promise<void> = writeCursor(release).finally(() => {
      if (writing === tracked) writing = undefined;
      wake();
    });
    writing = tracked;
    return tracked;
  };

  const accepted = (n: number) => {
    done += n;
    if (!writing && !halted && done - recorded >= cursorEvery) void write(false);
  };

  const send = async (batch: Item[]) => {
    let refused: number[];
    firstSendAt ??= deps.clock();
    try {
      refused = await deps.queue.sendBatch(
        batch.map((i) => i.request),
        batch.map((i) => i.body ?? JSON.stringify(i.request)),
      );
    } catch (error) {
      for (const item of batch) item.entry.state = 'failed';
      summary.failed += batch.length;
      halted = true;
      onError('send', error);
      return;
    }
    const refusedSet = new Set(refused);
    let n = 0;
    for (const [i, item] of batch.entries()) {
      if (refusedSet.has(i)) continue;
      item.entry.state = 'done';
      n++;
    }
    summary.sent += n;
    for (const i of refusedSet) {
      const item = batch[i];
      if (!item) continue;
      try {
        await deps.store.repark(item.request, 'refused by SQS');
        item.entry.state = 'done';
        summary.reparked++;
        n++;
      } catch (error) {
        item.entry.state = 'failed';
        summary.failed++;
        halted = true;
        onError('repark', error);
      }
    }
    accepted(n);
    // Back-pressure: what a crash would send again stays bounded even when cursor writes are slow.
    while (!halted && done - recorded >= 2 * cursorEvery) {
      if (!writing) void write(false);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };

  const worker = async () => {
    for (;;) {
      if (halted) return;
      if (deps.clock() >= deps.stopAt) {
        deadline ||= buffer.length > 0 || more;
        return;
      }
      const batch = await nextBatch();
      if (!batch || halted) return;
      await send(batch);
    }
  };

  await Promise.all(Array.from({ length: concurrency }, worker));
  while (writing) await writing;
  if (!lostClaim) await write(true);
  summary.unrecorded = done - recorded;
  summary.complete = !halted && !deadline && !readFailed && !more && !buffer.length && summary.unrecorded === 0 && entries.every((e) => e.state === 'done');
  return summary;
}
