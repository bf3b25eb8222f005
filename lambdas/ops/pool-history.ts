/**
 * GET /admin/pool/history: the pool over time, from the snapshots the health check writes every
 * 5 minutes (pool-snapshot.ts) — utilization, success rate, throughput and the pool by state, oldest
 * first, with a summary of the range. Snapshots are kept 7 days, so a range reaches at most that far.
 */
import { BadRequestError } from '../shared/errors';
import { readTimeBound } from '../shared/time-bound';
import type { PoolSnapshot, SnapshotStore } from './pool-snapshot';

/** How far back snapshots are kept by default, and so the longest range worth asking for. */
export const MAX_RANGE_MS = 7 * 86_400_000;
/** The range when none is given: the last day. */
export const DEFAULT_RANGE_MS = 86_400_000;
/** 7 days of 5-minute snapshots, with room for an extra run now and then. */
export const MAX_POINTS = 2_100;

export interface HistoryQuery {
  readonly from?: string;
  readonly to?: string;
}

export interface HistoryRange {
  readonly fromMs: number;
  readonly toMs: number;
}

export interface HistoryPoint {
  readonly at: string;
  readonly utilizationPct: number;
  /** null: no trace finished in the window the snapshot looked at (no data, not 0 %). */
  readonly successRatePct: number | null;
  readonly tracesPerMinute: number | null;
  readonly total: number;
  readonly healthy: number;
  readonly available: number;
  readonly leased: number;
  readonly cooldown: number;
  readonly unhealthy: number;
  readonly disabled: number;
  readonly expiredLeases: number;
}

interface Spread {
  readonly avg: number;
  readonly min: number;
  readonly max: number;
}

export interface PoolHistory {
  readonly from: string;
  readonly to: string;
  readonly intervalMinutes: 5;
  readonly points: HistoryPoint[];
  readonly summary: {
    readonly snapshots: number;
    readonly utilizationPct: Spread | null;
    readonly successRatePct: Spread | null;
    readonly tracesPerMinute: Spread | null;
  };
}

function parseInstant(name: string, value: string, now: number): number {
  const ms = readTimeBound(value, now);
  if (ms === undefined)
    throw new BadRequestError(`${name} must be an ISO 8601 time, epoch milliseconds or a duration such as 6h, 2d (got ${JSON.stringify(value.slice(0, 40))})`);
  return ms;
}

/** The asked range, checked: from before to, no longer than the snapshots are kept. */
export function parseHistoryRange(query: HistoryQuery, now: number): HistoryRange {
  const toMs = query.to ? parseInstant('to', query.to, now) : now;
  const fromMs = query.from ? parseInstant('from', query.from, now) : toMs - DEFAULT_RANGE_MS;
  if (fromMs >= toMs) throw new BadRequestError('from must be before to');
  if (toMs - fromMs > MAX_RANGE_MS)
    throw new BadRequestError(`the range may span at most 7 days (snapshots are kept that long); asked for ${Math.ceil((toMs - fromMs) / 86_400_000)} days`);
  return { fromMs, toMs };
}

function spread(values: readonly number[]): Spread | null {
  if (!values.length) return null;
  const sum = values.reduce((a, b) => a + b, 0);
  return { avg: Math.round((sum / values.length) * 10) / 10, min: Math.min(...values), max: Math.max(...values) };
}

function point(s: PoolSnapshot): HistoryPoint {
  return {
    at: s.at,
    utilizationPct: s.utilizationPct,
    successRatePct: typeof s.successRatePct === 'number' ? s.successRatePct : null,
    tracesPerMinute: typeof s.tracesPerMinute === 'number' ? s.tracesPerMinute : null,
    total: s.total,
    healthy: s.healthy,
    available: s.byState.available,
    leased: s.byState.leased,
    cooldown: s.byState.cooldown,
    unhealthy: s.byState.unhealthy,
    disabled: s.byState.disabled,
    expiredLeases: s.expiredLeases,
  };
}

/** The snapshots of the range, oldest first, and what they add up to. */
export async function poolHistory(store: Pick<SnapshotStore, 'between'>, range: HistoryRange, now: number): Promise<PoolHistory> {
  const points = (await store.between(range.fromMs, range.toMs, now, MAX_POINTS)).map(point);
  const numbers = (pick: (p: HistoryPoint) => number | null) => points.map(pick).filter((n): n is number => n !== null);
  return {
    from: new Date(range.fromMs).toISOString(),
    to: new Date(range.toMs).toISOString(),
    intervalMinutes: 5,
    points,
    summary: {
      snapshots: points.length,
      utilizationPct: spread(numbers((p) => p.utilizationPct)),
      successRatePct: spread(numbers((p) => p.successRatePct)),
      tracesPerMinute: spread(numbers((p) => p.tracesPerMinute)),
    },
  };
}
