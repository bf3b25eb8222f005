/**
 * After the trace: map the traced params onto the pair's sub-id fields and point only that
 * pair's URL2 campaign at the result. A failed update never fails the trace: it becomes a failed
 * side effect in Ops, retried with exponential backoff when the error is transient (408, 429,
 * 5xx, timeouts, connection failures, a missing secret) and otherwise final, with an alert.
 *
 * Updates land in webhook order: each carries updateOrderKey(receivedAt, traceId), and a pair's
 * URL2 is only ever written under its update slot (PairRepository.claimUpdate), by an update newer
 * than the one recorded. A slow trace of an older webhook therefore finds the newer update
 * recorded and stops ('superseded'); two updates in flight at once are serialized by the slot.
 */
import { TrackierApiError, type TrackierApi } from './trackier-api';
import type { PairRepository } from './pair-repository';
import { effectiveMapping, updateOrderKey } from './pair';
import { DEFAULT_UPDATE_BACKOFF_MS } from './config';
import { mapSubIds, url2Destination } from './sub-id-mapping';
import { sideEffectIdOf, type FailedUpdate, type SideEffectError, type SideEffectStore } from './side-effects';
import { finalParams } from '../tracer/click-ids';
import type { Truncation } from '../tracer/limits';

/** The Step Functions task input (UpdateTrackierCampaign). */
export interface UpdateCampaignInput {
  readonly traceId: string;
  readonly pair: { readonly offerId: string; readonly pairNumber: number };
  readonly finalUrl: string;
  readonly params: Readonly<Record<string, string>>;
  /** The trace result's cuts (limits.ts), when the input comes from the pipeline. */
  readonly truncated?: Truncation;
  /** When the webhook behind this trace was received (its trace request's clickedAt). @default now */
  readonly receivedAt?: number;
}

/** The task output; `reason` says why nothing was updated (or that a retry is scheduled). */
export interface UpdateCampaignOutput {
  readonly updated: boolean;
  readonly sideEffectId?: string;
  readonly reason?: string;
}

export interface UpdateDeps {
  readonly pairs: PairRepository;
  readonly api: TrackierApi;
  readonly sideEffects: SideEffectStore;
  readonly clock: () => number;
  /** Delays before retries 1, 2, …; after the last, the side effect fails for good. */
  readonly backoffMs?: readonly number[];
  /** Jitter source (±10 %). @default Math.random */
  readonly random?: () => number;
  /** Attempts inside one call before it becomes a side effect. @default 2 */
  readonly inCallAttempts?: number;
  /** Called once per final failure (metrics, logs); the alert record is written regardless. */
  readonly onFinalFailure?: (record: FailedUpdate) => void;
  /** How long an update holds the pair's slot; must outlast one update call. @default 60000 */
  readonly slotHoldMs?: number;
  /** How long the task waits for a busy slot before deferring to the retry schedule. @default 5000 */
  readonly slotWaitMs?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

const SLOT_POLL_MS = 250;
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export { DEFAULT_UPDATE_BACKOFF_MS };

export type ErrorVerdict = 'retry' | 'final';

/** The retry rule: transient errors are retried, anything else Trackier answered is final. */
export function classifyUpdateError(error: unknown): ErrorVerdict {
  if (error instanceof TrackierApiError) return error.retryable ? 'retry' : 'final';
  // Not an answer from Trackier (secret missing or unreadable, DNS…): ours to fix, so retried.
  return 'retry';
}

/**
 * Delay before the next attempt after `attempts` failed ones, or undefined when the schedule is
 * exhausted. ±10 % jitter spreads a burst of failures (a Trackier outage) over time.
 */
export function nextRetryDelay(attempts: number, backoffMs: readonly number[], random: () => number = Math.random): number | undefined {
  const base = backoffMs[attempts - 1];
  if (base === undefined) return undefined;
  return Math.round(base * (0.9 + 0.2 * random()));
}

export function describeError(error: unknown): SideEffectError {
  if (error instanceof TrackierApiError) return { kind: error.kind, status: error.status, message: error.message.slice(0, 300) };
  return { kind: (error as Error)?.name ?? 'error', message: String((error as Error)?.message ?? error).slice(0, 300) };
}

export async function updatePairCampaign(deps: UpdateDeps, input: UpdateCampaignInput): Promise<UpdateCampaignOutput> {
  const { offerId, pairNumber } = input.pair;
  const pair = await deps.pairs.getPair(offerId, pairNumber);
  if (!pair) return { updated: false, reason: 'pair_not_found' };
  if (!pair.enabled) return { updated: false, reason: 'pair_disabled' };
  if (!pair.url2CampaignId) return { updated: false, reason: 'no_url2_campaign' };
  if (pair.lastUpdateTraceId === input.traceId) return { updated: true, reason: 'already_updated' };

  // Never a cut value into a live campaign: a cut final URL is no destination at all, and cut or
  // dropped parameters are read again, whole, from the final URL (kept whole when it is not cut).
  if (input.truncated?.finalUrl !== undefined) return { updated: false, reason: 'final_url_truncated' };
  const params = input.truncated?.params ? finalParams(input.finalUrl) : input.params;

  const settings = await deps.pairs.getSettings(offerId);
  const values = mapSubIds(params, effectiveMapping(pair, settings)) as Record<string, string>;
  const url = url2Destination(input.finalUrl, values);
  if (!url) return { updated: false, reason: 'final_url_not_web' };
  const order = updateOrderKey(input.receivedAt ?? deps.clock(), input.traceId);
  // A newer webhook's values are already in URL2 (claimUpdate checks again, atomically).
  if (pair.lastUpdateOrder !== undefined && pair.lastUpdateOrder >= order) return { updated: false, reason: 'superseded' };

  const failure = (error: unknown, now: number, attempts: number): FailedUpdate => ({
    traceId: input.traceId,
    offerId,
    pairNumber,
    campaignId: pair.url2CampaignId!,
    url,
    values,
    order,
    status: 'pending',
    attempts,
    dueAt: now,
    createdAt: now,
    updatedAt: now,
    lastError: describeError(error),
  });

  const claim = await claimSlot(deps, offerId, pairNumber, order, input.traceId);
  if (claim === 'superseded') return { updated: false, reason: 'superseded' };
  if (claim === 'missing') return { updated: false, reason: 'pair_not_found' };
  if (claim === 'busy') {
    // Another update of this pair is still in flight: the retry schedule tries again (in order).
    const now = deps.clock();
    const delay = nextRetryDelay(1, deps.backoffMs ?? DEFAULT_UPDATE_BACKOFF_MS, deps.random) ?? 60_000;
    await deps.sideEffects.put({ ...failure({ name: 'pair_busy', message: 'another URL2 update of this pair was in flight' }, now, 0), dueAt: now + delay });
    return { updated: false, sideEffectId: sideEffectIdOf(input.traceId), reason: 'retry_scheduled' };
  }

  try {
    await deps.api.updateCampaignUrl(pair.url2CampaignId, url, { maxAttempts: deps.inCallAttempts ?? 2 });
  } catch (error) {
    await deps.pairs.releaseUpdate(offerId, pairNumber, input.traceId);
    const now = deps.clock();
    const outcome = await settleFailure(deps, failure(error, now, 1), error, now);
    return { updated: false, sideEffectId: sideEffectIdOf(input.traceId), reason: outcome };
  }
  // Recording frees the slot; a record refused (a repeat of this trace) must free it too.
  if (!(await deps.pairs.recordUpdate(offerId, pairNumber, input.traceId, values, deps.clock(), order))) {
    await deps.pairs.releaseUpdate(offerId, pairNumber, input.traceId);
  }
  return { updated: true };
}

/** The pair's update slot, waiting a little while another update holds it. */
async function claimSlot(deps: UpdateDeps, offerId: string, pairNumber: number, order: string, owner: string) {
  const sleep = deps.sleep ?? defaultSleep;
  const holdMs = deps.slotHoldMs ?? 60_000;
  let waited = 0;
  for (;;) {
    const claim = await deps.pairs.claimUpdate(offerId, pairNumber, order, owner, deps.clock(), holdMs);
    if (claim !== 'busy' || waited >= (deps.slotWaitMs ?? 5_000)) return claim;
    await sleep(SLOT_POLL_MS);
    waited += SLOT_POLL_MS;
  }
}

/** Schedules the next retry or gives up (final error, or schedule exhausted) with an alert. */
async function settleFailure(deps: UpdateDeps, record: FailedUpdate, error: unknown, now: number): Promise<'retry_scheduled' | 'failed_final'> {
  const delay = classifyUpdateError(error) === 'retry' ? nextRetryDelay(record.attempts, deps.backoffMs ?? DEFAULT_UPDATE_BACKOFF_MS, deps.random) : undefined;
  if (delay !== undefined) {
    await deps.sideEffects.put({ ...record, status: 'pending', dueAt: now + delay, updatedAt: now });
    return 'retry_scheduled';
  }
  const failed: FailedUpdate = { ...record, status: 'failed', updatedAt: now };
  await deps.sideEffects.put(failed);
  await deps.sideEffects.alert(failed, now);
  deps.onFinalFailure?.(failed);
  return 'failed_final';
}

export interface RetrySummary {
  due: number;
  succeeded: number;
  rescheduled: number;
  failed: number;
  /** Dropped: a newer update already reached the pair, or the pair is gone or disabled. */
  superseded: number;
  /** Claimed by a concurrent run, or an unexpected error (left for the next run). */
  skipped: number;
}

export interface RetryOptions {
  /** @default 100 */
  readonly limit?: number;
  /** How long a claimed item is hidden from other runs. @default 120000 */
  readonly holdMs?: number;
}

/**
 * The retry schedule's entry point (every 5 minutes): each due failed update is claimed, checked
 * for staleness, and sent again once; success records the update and deletes the item.
 */
export async function retryDueSideEffects(deps: UpdateDeps, now: number, options: RetryOptions = {}): Promise<RetrySummary> {
  const summary: RetrySummary = { due: 0, succeeded: 0, rescheduled: 0, failed: 0, superseded: 0, skipped: 0 };
  const due = await deps.sideEffects.due(now, options.limit ?? 100);
  summary.due = due.length;
  for (const item of due) {
    try {
      if (!(await deps.sideEffects.claim(item, now, options.holdMs ?? 120_000))) {
        summary.skipped++;
        continue;
      }
      const pair = await deps.pairs.getPair(item.offerId, item.pairNumber);
      // Never overwrite newer values with older ones: an update of a later webhook already reached
      // URL2. (Items written before updates carried an order fall back to the update time.)
      const newer = item.order ? pair?.lastUpdateOrder !== undefined && pair.lastUpdateOrder >= item.order : (pair?.last_update_at ?? -1) > item.createdAt;
      if (!pair || !pair.enabled || pair.url2CampaignId !== item.campaignId || newer) {
        await deps.sideEffects.remove(item.traceId);
        summary.superseded++;
        continue;
      }
      if (item.order) {
        const claim = await deps.pairs.claimUpdate(item.offerId, item.pairNumber, item.order, item.traceId, now, deps.slotHoldMs ?? 60_000);
        if (claim === 'superseded' || claim === 'missing') {
          await deps.sideEffects.remove(item.traceId);
          summary.superseded++;
          continue;
        }
        // Busy: the claim above already hid the item until a later run.
        if (claim === 'busy') {
          summary.skipped++;
          continue;
        }
      }
      try {
        await deps.api.updateCampaignUrl(item.campaignId, item.url, { maxAttempts: 1 });
      } catch (error) {
        if (item.order) await deps.pairs.releaseUpdate(item.offerId, item.pairNumber, item.traceId);
        const outcome = await settleFailure(deps, { ...item, attempts: item.attempts + 1, lastError: describeError(error) }, error, now);
        if (outcome === 'retry_scheduled') summary.rescheduled++;
        else summary.failed++;
        continue;
      }
      if (!(await deps.pairs.recordUpdate(item.offerId, item.pairNumber, item.traceId, item.values, now, item.order)) && item.order) {
        await deps.pairs.releaseUpdate(item.offerId, item.pairNumber, item.traceId);
      }
      await deps.sideEffects.remove(item.traceId);
      summary.succeeded++;
    } catch {
      summary.skipped++;
    }
  }
  return summary;
}
