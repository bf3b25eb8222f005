/**
 * The state machine's task use cases. Each takes the pipeline state and its collaborators and
 * returns what lands at its ResultPath. Errors they throw are the errors Step Functions sees:
 * their `name` is what Retry and Catch match (NoIpAvailable, TraceSuperseded, OfferGone).
 */
import type { LeasePool } from '../lease/lease-pool';
import type { OfferStore } from '../offers/offer-item';
import type { Offer } from '../offers/offer-schema';
import type { TraceRepository } from '../traces/trace-repository';
import type { TracerMemory } from './tracer-memory';
import { afterFailure, classifyTaskError, judgeResult, releaseOutcomeFor } from './retry-policy';
import { causeMessage, type LeaseState, type PipelineState, type StoredState, type TraceTarget } from './pipeline-state';

/** The trace already moved on (a newer attempt, or it finished): this execution just stops. */
export class TraceSuperseded extends Error {
  override readonly name = 'TraceSuperseded';
}

/** The offer was deleted between click and trace: nothing to trace, ever. */
export class OfferGone extends Error {
  override readonly name = 'OfferGone';
}

/**
 * The state lacks what an earlier task puts there: an execution an older deployment started. A
 * failure of class internal like any other, so the trace is retried by a fresh execution.
 */
export class IncompleteState extends Error {
  override readonly name = 'IncompleteState';
}

/** The collaborators of the lease, store, release and failure tasks (each picks what it uses). */
export interface TaskDeps {
  readonly clock: () => number;
  readonly traces: TraceRepository;
  readonly pool: LeasePool;
  readonly offers: OfferStore;
  readonly memory: TracerMemory;
  readonly config: { readonly backoffMs: readonly number[] };
}

export function requireLease(state: PipelineState): LeaseState {
  if (!state.lease) throw new Error('no lease in the state');
  return state.lease;
}

export async function requireOffer(deps: Pick<TaskDeps, 'offers'>, offerId: string): Promise<Offer> {
  const offer = await deps.offers.get(offerId);
  if (!offer) throw new OfferGone(`offer ${offerId} no longer exists`);
  return offer;
}

/** What the tracers need from the offer, and for auto offers the mode learned on this version of it. */
export async function traceTarget(memory: TracerMemory, offer: Offer): Promise<TraceTarget> {
  const offerVersion = offer.updatedAt ?? 0;
  // The memory only saves time: unreadable, the trace simply starts over HTTP.
  const learned = offer.tracePolicy.mode === 'auto' ? await memory.get(offer.offerId).catch(() => undefined) : undefined;
  return {
    trackingUrl: offer.trackingUrl,
    // Exact passthrough names are tracked like click ids (prefix rules such as utm_* are not).
    clickIdParams: offer.passthrough.filter((p) => !p.endsWith('*')),
    mode: offer.tracePolicy.mode,
    ...(learned?.offerVersion === offerVersion ? { learnedMode: learned.mode } : {}),
    offerVersion,
  };
}

export async function acquireLease(
  deps: Pick<TaskDeps, 'clock' | 'traces' | 'pool' | 'offers' | 'memory'>,
  state: PipelineState,
): Promise<LeaseState> {
  const { request, executionName } = state;
  const now = deps.clock();
  if (!(await deps.traces.markRunning(request.traceId, request.attempt, executionName, now))) {
    throw new TraceSuperseded(`trace ${request.traceId} is no longer queued for ${executionName}`);
  }
  const offer = await requireOffer(deps, request.offerId);
  const target = await traceTarget(deps.memory, offer);
  const anyCountry = request.country === 'any' || offer.tracePolicy.anyCountry;
  const lease = await deps.pool.acquire(request.country, request.traceId, { anyCountry });
  const acquiredAt = deps.clock();
  await deps.traces.recordLease(
    request.traceId,
    executionName,
    { ipId: lease.ipId, fence: lease.fence, provider: lease.provider, country: lease.country },
    acquiredAt,
    acquiredAt - state.startedAt,
  );
  return { ...lease, acquiredAt, target };
}

export async function storeResult(deps: Pick<TaskDeps, 'clock' | 'traces' | 'memory' | 'config'>, state: PipelineState): Promise<StoredState> {
  const result = state.trace?.result;
  if (!result) throw new Error('StoreResult needs a trace result');
  const lease = requireLease(state);
  const now = deps.clock();
  const verdict = judgeResult(result, state.request.attempt, now, deps.config.backoffMs);
  const stored = await deps.traces.storeResult(
    state.request.traceId,
    { executionName: state.executionName, fence: lease.fence },
    result,
    {
      status: verdict.status,
      statusAt: verdict.status === 'retry_scheduled' ? verdict.retryAt! : now,
      ...(verdict.status === 'completed' ? {} : { error: verdict.error }),
    },
    {
      queueWaitMs: Math.max(0, state.startedAt - state.request.clickedAt),
      leaseWaitMs: lease.acquiredAt - state.startedAt,
      traceMs: state.trace?.traceMs,
      totalMs: now - state.request.clickedAt,
    },
    now,
  );
  if (!stored) return { status: 'superseded' };
  // Without a target (an older execution) the offer version is unknown: nothing to learn from.
  if (verdict.status === 'completed' && lease.target) {
    const learned = { mode: result.mode, offerVersion: lease.target.offerVersion };
    // Losing it only costs a relearn; the result is stored.
    await deps.memory.record(state.request.offerId, learned, now).catch(() => undefined);
  }
  return { status: verdict.status, finalUrl: result.finalUrl, params: result.params, ...(result.truncated ? { truncated: result.truncated } : {}) };
}

/** How the IP did: from the trace result when there is one, else from the caught error. */
export function releaseOutcomeOf(state: PipelineState) {
  const result = state.trace?.result;
  if (result && !state.error) return releaseOutcomeFor(result.outcome === 'resolved' ? undefined : (result.error?.class ?? 'offer'));
  return releaseOutcomeFor(state.error ? classifyTaskError(state.error.Error) : 'internal');
}

export async function releaseLease(deps: Pick<TaskDeps, 'clock' | 'traces' | 'pool'>, state: PipelineState) {
  const lease = requireLease(state);
  const outcome = releaseOutcomeOf(state);
  const released = await deps.pool.release(lease, outcome);
  if (released.released) await deps.traces.recordRelease(state.request.traceId, lease.fence, deps.clock());
  return { outcome, ...released };
}

export async function recordFailure(deps: Pick<TaskDeps, 'clock' | 'traces' | 'config'>, state: PipelineState): Promise<StoredState> {
  const now = deps.clock();
  const errorName = state.error?.Error;
  const cls = errorName === 'OfferGone' ? 'offer' : classifyTaskError(errorName);
  const verdict = afterFailure(
    state.request.attempt,
    { class: cls, message: causeMessage(state.error), permanent: errorName === 'OfferGone' },
    now,
    deps.config.backoffMs,
  );
  if (verdict.status === 'completed') throw new Error('a failure cannot complete');
  const recorded = await deps.traces.recordFailure(
    state.request.traceId,
    { statuses: ['running', 'queued'], executionName: state.executionName },
    { status: verdict.status, statusAt: verdict.retryAt ?? now, error: verdict.error },
    now,
  );
  return { status: recorded ? verdict.status : 'superseded' };
}
