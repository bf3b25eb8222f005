/**
 * An offer's statistics by UTC hour, computed on read: its traces from the Traces table's byOffer
 * index and the clicks not traced from the Ops skip counters (bot and paused skips counted by the
 * click, budget and duplicate skips by the starter's admission). Nothing is written for them, so
 * the click and trace paths pay nothing.
 *
 * The range is widened to whole UTC hours: the skip counters exist only per hour, and a click
 * count mixing a partial hour of traces with a whole hour of skips would be wrong.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queryItems } from '../shared/dynamo-query';
import { forEachLimited } from '../shared/concurrency';
import { BadRequestError } from '../shared/errors';
import { readTimeBound } from '../shared/time-bound';
import { BOT_SKIPS_PK_PREFIX, BOT_SKIPS_RETENTION_SECONDS, PAUSED_SKIPS_PK_PREFIX, hourBucket } from '../click/bot-skips';
import { TRACE_SKIPS_PK_PREFIX } from '../pipeline/admission-table';
import type { TraceRecord, TraceStatus } from '../traces/trace-record';

export const HOUR_MS = 3_600_000;
export const DEFAULT_RANGE_MS = 24 * HOUR_MS;
/** Traces read at most per request: a busy offer's oldest hours are then incomplete (`capped`). */
export const MAX_TRACES = 10_000;
/** Hours whose Ops counters are read at once. */
const SKIP_READ_CONCURRENCY = 8;
/** Slack for the time a `from` of exactly the retention takes to reach us. */
const RETENTION_SLACK_MS = 5 * 60_000;

/** Statuses a trace does not leave on its own without success. */
const FAILED: ReadonlySet<TraceStatus> = new Set(['failed', 'dead_lettered', 'timeout']);

export interface SkipCounts {
  bot: number;
  budget: number;
  duplicate: number;
  paused: number;
}

export interface HourStats {
  /** The UTC hour, as the Ops counters name it: `2026-12-02T13`. */
  readonly hour: string;
  /** Traced + skipped. */
  clicks: number;
  traced: number;
  skipped: SkipCounts;
  completed: number;
  /** Final failures: failed, dead_lettered, timeout. */
  failed: number;
  /** Those failures by the trace's `error.class` (`unknown` when a record has none). */
  failedByClass: Record<string, number>;
  /** Still queued, running or scheduled for a retry. */
  pending: number;
  /** Over the completed traces' `timings.traceMs`; null with none. */
  p50TraceMs: number | null;
  p95TraceMs: number | null;
  proxyBytes: number;
  /** Completed in browser mode ÷ completed; null with none completed. */
  browserShare: number | null;
}

export interface OfferStats {
  readonly offerId: string;
  /** The range, widened to whole UTC hours (ISO; `to` exclusive). */
  readonly from: string;
  readonly to: string;
  readonly hours: HourStats[];
  readonly totals: Omit<HourStats, 'hour'>;
  /** The trace time the percentiles are of. */
  readonly traceTimeField: 'timings.traceMs';
  readonly tracesRead: number;
  /** More traces than MAX_TRACES in the range: the newest were read, the oldest hours are short. */
  readonly capped: boolean;
  /** The skip counters are kept two days: hours before this show no skips (ISO). */
  readonly skipsSince: string;
}

export interface StatsRange {
  readonly from: number;
  readonly to: number;
}

/** The trace fields the statistics need (the index projects them all). */
export type TraceSample = Pick<TraceRecord, 'createdAt' | 'status' | 'mode' | 'error' | 'timings' | 'proxyBytes'>;

/**
 * One bound of the range: an ISO time, epoch ms, or a duration back from now (`90m`, `24h`, `7d`).
 * Undefined when absent; a BadRequestError when unreadable.
 */
export function parseTimeBound(value: string | undefined, now: number, name: string): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const ms = readTimeBound(value, now);
  if (ms === undefined) throw new BadRequestError(`invalid ${name}: ${value} (an ISO time, epoch ms, or a duration back from now such as 24h)`);
  return ms;
}

/** The requested range, checked against the traces' retention: a range the table cannot answer is a 400, not a silent gap. */
export function parseStatsRange(query: { from?: string; to?: string }, now: number, retentionDays: number): StatsRange {
  const to = parseTimeBound(query.to, now, 'to') ?? now;
  const from = parseTimeBound(query.from, now, 'from') ?? to - DEFAULT_RANGE_MS;
  const retentionMs = retentionDays * 24 * HOUR_MS;
  if (from >= to) throw new BadRequestError(`invalid range: from (${iso(from)}) must be before to (${iso(to)})`);
  if (to - from > retentionMs) throw new BadRequestError(`range too long: at most ${retentionDays} days, the time traces are kept`);
  if (from < now - retentionMs - RETENTION_SLACK_MS) throw new BadRequestError(`from (${iso(from)}) is older than the ${retentionDays} days traces are kept`);
  return { from, to };
}

const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));
const floorHour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;

/** Whole UTC hours covering [from, to): the first hour's start and the end of the last. */
export function hourRange(range: StatsRange): StatsRange {
  return { from: floorHour(range.from), to: floorHour(range.to - 1) + HOUR_MS };
}

/** Nearest-rank percentile of sorted values: an observed time, never an interpolated one. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (!sorted.length) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

interface Acc {
  stats: Omit<HourStats, 'hour'>;
  traceMs: number[];
  browser: number;
}

const emptyAcc = (): Acc => ({
  stats: {
    clicks: 0,
    traced: 0,
    skipped: { bot: 0, budget: 0, duplicate: 0, paused: 0 },
    completed: 0,
    failed: 0,
    failedByClass: {},
    pending: 0,
    p50TraceMs: null,
    p95TraceMs: null,
    proxyBytes: 0,
    browserShare: null,
  },
  traceMs: [],
  browser: 0,
});

function addTrace(acc: Acc, trace: TraceSample): void {
  const s = acc.stats;
  s.traced++;
  s.proxyBytes += Number(trace.proxyBytes ?? 0);
  if (trace.status === 'completed') {
    s.completed++;
    if (trace.mode === 'browser') acc.browser++;
    const ms = trace.timings?.traceMs;
    if (typeof ms === 'number') acc.traceMs.push(ms);
  } else if (FAILED.has(trace.status)) {
    s.failed++;
    const cls = trace.error?.class ?? 'unknown';
    s.failedByClass[cls] = (s.failedByClass[cls] ?? 0) + 1;
  } else {
    s.pending++;
  }
}

function addSkips(acc: Acc, skips: SkipCounts): void {
  for (const k of ['bot', 'budget', 'duplicate', 'paused'] as const) acc.stats.skipped[k] += skips[k];
}

function finish(acc: Acc): Omit<HourStats, 'hour'> {
  const s = acc.stats;
  const sorted = [...acc.traceMs].sort((a, b) => a - b);
  const skipped = s.skipped.bot + s.skipped.budget + s.skipped.duplicate + s.skipped.paused;
  return {
    ...s,
    clicks: s.traced + skipped,
    p50TraceMs: percentile(sorted, 50),
    p95TraceMs: percentile(sorted, 95),
    browserShare: s.completed ? acc.browser / s.completed : null,
  };
}

/**
 * The pure part: traces and per-hour skip counts into hourly buckets (every hour of the range,
 * empty ones too) and totals. Totals' percentiles are over all the range's samples, not of the hours'.
 */
export function bucketStats(
  range: StatsRange,
  traces: readonly TraceSample[],
  skips: ReadonlyMap<string, SkipCounts>,
): { hours: HourStats[]; totals: Omit<HourStats, 'hour'> } {
  const { from, to } = hourRange(range);
  const accs = new Map<string, Acc>();
  for (let t = from; t < to; t += HOUR_MS) accs.set(hourBucket(t), emptyAcc());
  const total = emptyAcc();
  for (const trace of traces) {
    const acc = accs.get(hourBucket(trace.createdAt));
    if (!acc) continue; // outside the range: the caller's query bounds it, this keeps the sum honest
    addTrace(acc, trace);
    addTrace(total, trace);
  }
  for (const [hour, counts] of skips) {
    const acc = accs.get(hour);
    if (!acc) continue;
    addSkips(acc, counts);
    addSkips(total, counts);
  }
  return { hours: [...accs].map(([hour, acc]) => ({ hour, ...finish(acc) })), totals: finish(total) };
}

export interface OfferStatsReader {
  /** The offer's traces created in [from, to), newest first, at most `limit`. */
  traces(offerId: string, range: StatsRange, limit: number): Promise<{ items: TraceSample[]; capped: boolean }>;
  /** The offer's skip counts for each of these hours (`2026-12-02T13`). */
  skips(offerId: string, hours: readonly string[]): Promise<Map<string, SkipCounts>>;
}

export async function offerStats(reader: OfferStatsReader, offerId: string, requested: StatsRange, now: number, maxTraces = MAX_TRACES): Promise<OfferStats> {
  const range = hourRange(requested);
  // Older counters have passed their TTL (or soon will): reading them would show some and not others.
  const skipsSince = floorHour(now - BOT_SKIPS_RETENTION_SECONDS * 1000) + HOUR_MS;
  const skipHours: string[] = [];
  for (let t = Math.max(range.from, skipsSince); t < range.to; t += HOUR_MS) skipHours.push(hourBucket(t));
  const [traces, skips] = await Promise.all([reader.traces(offerId, range, maxTraces), reader.skips(offerId, skipHours)]);
  const { hours, totals } = bucketStats(range, traces.items, skips);
  return {
    offerId,
    from: iso(range.from),
    to: iso(range.to),
    hours,
    totals,
    traceTimeField: 'timings.traceMs',
    tracesRead: traces.items.length,
    capped: traces.capped,
    skipsSince: iso(skipsSince),
  };
}

/** The reader on DynamoDB: a Query of byOffer, and three Queries of Ops per hour. */
export class DynamoOfferStatsReader implements OfferStatsReader {
  constructor(
    private readonly doc: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly tracesTable: string,
    private readonly opsTable: string,
  ) {}

  async traces(offerId: string, range: StatsRange, limit: number): Promise<{ items: TraceSample[]; capped: boolean }> {
    // One more than the cap: DynamoDB hands back a next-page key when a page ends exactly at its
    // Limit, so reading exactly `limit` would say capped when there was nothing more.
    const { items } = await queryItems<TraceSample>(
      this.doc,
      {
        TableName: this.tracesTable,
        IndexName: 'byOffer',
        KeyConditionExpression: 'offerId = :o AND createdAt BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#s': 'status', '#m': 'mode', '#e': 'error', '#c': 'class', '#t': 'timings' },
        ExpressionAttributeValues: { ':o': offerId, ':from': range.from, ':to': range.to - 1 },
        ProjectionExpression: 'createdAt, #s, #m, #e.#c, #t.traceMs, proxyBytes',
        // Newest first: when capped, the recent hours (the ones looked at) are whole.
        ScanIndexForward: false,
      },
      { limit: limit + 1 },
    );
    return { items: items.slice(0, limit), capped: items.length > limit };
  }

  async skips(offerId: string, hours: readonly string[]): Promise<Map<string, SkipCounts>> {
    const out = new Map<string, SkipCounts>();
    await forEachLimited(hours, SKIP_READ_CONCURRENCY, async (hour) => {
      const [bot, paused, admission] = await Promise.all([
        this.clickSkips(BOT_SKIPS_PK_PREFIX, hour, offerId),
        this.clickSkips(PAUSED_SKIPS_PK_PREFIX, hour, offerId),
        queryItems<{ skipped_budget?: number; skipped_duplicate?: number }>(this.doc, {
          TableName: this.opsTable,
          KeyConditionExpression: 'pk = :pk AND sk = :offer',
          ExpressionAttributeValues: { ':pk': `${TRACE_SKIPS_PK_PREFIX}${hour}`, ':offer': offerId },
          ProjectionExpression: 'skipped_budget, skipped_duplicate',
        }),
      ]);
      const item = admission.items[0];
      out.set(hour, { bot, paused, budget: Number(item?.skipped_budget ?? 0), duplicate: Number(item?.skipped_duplicate ?? 0) });
    });
    return out;
  }

  /** Each click environment writes its own running total (`<offerId>#<instance>`): the hour's count is their sum. */
  private async clickSkips(prefix: string, hour: string, offerId: string): Promise<number> {
    const { items } = await queryItems<{ sk: string; skipped?: number }>(this.doc, {
      TableName: this.opsTable,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :offer)',
      ExpressionAttributeValues: { ':pk': `${prefix}${hour}`, ':offer': offerId },
      ProjectionExpression: 'sk, skipped',
    });
    // The prefix also matches longer offer ids (`abc` of `abcd#…`); a bare id is the older one-item layout.
    return items.filter((i) => i.sk === offerId || i.sk.startsWith(`${offerId}#`)).reduce((n, i) => n + Number(i.skipped ?? 0), 0);
  }
}
