/**
 * Which clicks become traces. Every click is redirected and handed off (a click is never lost), and
 * the starter decides here, before any execution starts, whether it is traced:
 *  - a click id (gclid, fbclid, …) seen on the offer within the last 10 minutes is not traced
 *    twice (`skipped_duplicate`): a reload, a double click, a replayed URL;
 *  - each offer has a trace budget, a token bucket of `maxTracesPerMinute` (default 60) that
 *    refills evenly; a click beyond it is `skipped_budget`.
 * So a loop of scripted clicks cannot drain a country's pool or burn proxy bandwidth: it costs the
 * offer its own budget, and redirects as usual.
 *
 * The duplicate check comes first, so repeats of one click id never spend the budget. Its claim is
 * kept even when the budget then refuses the click: the same click id again within the window is
 * still a repeat. Only first attempts of clicks are admitted here; webhooks, retries and manual
 * traces pass.
 */
import { createHash } from 'node:crypto';
import type { TraceRequest } from '../traces/trace-request';
import { DEFAULT_TRACES_PER_MINUTE } from '../offers/offer-schema';
import { STANDARD_CLICK_IDS } from '../tracer/click-ids';

export const DUPLICATE_WINDOW_MS = 10 * 60_000;

export type Admission = 'admitted' | 'skipped_duplicate' | 'skipped_budget';
export type SkipReason = Exclude<Admission, 'admitted'>;

export interface AdmissionStore {
  /**
   * Claims a click id on an offer for a trace until `until` (ms). True when it was free, expired,
   * or already this trace's (a redelivered message is not its own duplicate).
   */
  claimClickId(offerId: string, clickId: string, traceId: string, now: number, until: number): Promise<boolean>;
  /** Takes one trace from the offer's token bucket; false when it is empty. */
  takeToken(offerId: string, now: number, bucket: TokenBucket): Promise<boolean>;
}

/**
 * A token bucket of `capacity` tokens refilled one per `intervalMs`, kept as one number (the
 * generic cell rate algorithm): `tat`, the time at which the bucket would be full again. A take at
 * `now` is allowed while `tat - now <= toleranceMs` and moves `tat` on by one interval.
 */
export interface TokenBucket {
  readonly intervalMs: number;
  readonly toleranceMs: number;
}

export function tokenBucket(perMinute: number): TokenBucket {
  const intervalMs = 60_000 / perMinute;
  return { intervalMs, toleranceMs: 60_000 - intervalMs };
}

/** Longer values are named by their hash: the id becomes part of a key, which DynamoDB caps at 2 KB. */
const MAX_CLICK_ID_KEY_LENGTH = 200;

/** The click id that names this click: the first of the standard ones present. */
export function clickIdOf(params: Readonly<Record<string, string>>): string | undefined {
  for (const name of STANDARD_CLICK_IDS) {
    const value = params[name];
    if (!value) continue;
    return value.length <= MAX_CLICK_ID_KEY_LENGTH ? `${name}=${value}` : `${name}#sha256=${createHash('sha256').update(value).digest('hex')}`;
  }
  return undefined;
}

export async function admit(store: AdmissionStore, request: TraceRequest, now: number): Promise<Admission> {
  if (request.source !== 'click' || request.attempt !== 1) return 'admitted';
  const clickId = clickIdOf(request.params);
  if (clickId && !(await store.claimClickId(request.offerId, clickId, request.traceId, now, now + DUPLICATE_WINDOW_MS))) {
    return 'skipped_duplicate';
  }
  // A message is input like any other: a budget that is not a sane count takes the default.
  const given = request.maxTracesPerMinute;
  const perMinute = Number.isInteger(given) && given! >= 1 && given! <= 6000 ? given! : DEFAULT_TRACES_PER_MINUTE;
  if (!(await store.takeToken(request.offerId, now, tokenBucket(perMinute)))) return 'skipped_budget';
  return 'admitted';
}
