/**
 * The state machine's task use cases. Each takes the pipeline state and its collaborators and
 * returns what lands at its ResultPath. Errors they throw are the errors Step Functions sees:
 * their `name` is what Retry and Catch match (NoIpAvailable, TraceSuperseded, OfferGone).
 */
import type { Lease, LeasePool } from '../lease/lease-pool';
import { NoIpAvailable } from '../lease/errors';
import { ANY_COUNTRY_QUEUE, type LeaseWaiters, type TaskTokens, type Waiter } from '../lease/lease-waiters';
import type { OfferStore } from '../offers/offer-item';
import type { Offer } from '../offers/offer-schema';
import type { TraceRepository } from '../traces/trace-repository';
import type { TracerMemory } from './tracer-memory';
import type { ResolvedTrace } from '../offers/offer-history';
import { afterFailure, budgetAttempt, classifyTaskError, judgeResult, releaseOutcomeFor } from './retry-policy';
import { causeMessage, type LeaseState, type PipelineState, type ReleaseState, type StoredState, type TraceTarget } from './pipeline-state';

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
  /** The queue a trace waits in when no IP is free, and the tokens its hand-off answers. */
  readonly waiters: LeaseWaiters;
  readonly tokens: TaskTokens;
  /** The offer's resolution history (offer-history-store.ts); StoreResult only. */
  readonly history?: { record(trace: ResolvedTrace): Promise<unknown> };
  /** A history write failed: the trace is stored anyway, the failure only logged and counted. */
  readonly onHistoryError?: (error: unknown, traceId: string) => void;
}

/** AcquireLease's input: the callback task's token, and the state. */
export interface AcquireInput {
  readonly taskToken: string;
  readonly state: PipelineState;
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
  const offerVersion = offer.traceVersion ?? offer.updatedAt ?? 0;
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

/** Records the lease on the trace and makes the task's output ($.lease). */
export async function grantLease(
  deps: Pick<TaskDeps, 'traces'>,
  trace: { readonly traceId: string; readonly executionName: string; readonly startedAt: number },
  lease: Lease,
  target: TraceTarget | undefined,
): Promise<LeaseState> {
  const acquiredAt = lease.startsAt;
  try {
    await deps.traces.recordLease(
      trace.traceId,
      trace.executionName,
      { ipId: lease.ipId, fence: lease.fence, provider: lease.provider, country: lease.country },
      acquiredAt,
      Math.max(0, acquiredAt - trace.startedAt),
    );
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') {
      throw new TraceSuperseded(`trace ${trace.traceId} is no longer running under ${trace.executionName}`);
    }
    throw error;
  }
  // The Wait state after AcquireLease holds the execution until the lease starts (a reservation).
  return { ...lease, acquiredAt, notBefore: new Date(acquiredAt).toISOString(), ...(target ? { target } : {}) };
}

/** What a waiter keeps for its hand-off: enough to build its $.lease without reading the offer again. */
interface WaiterContext {
  readonly startedAt: number;
  readonly target?: TraceTarget;
}

/** The hand-off's grant: a waiting trace's lease recorded and shaped as its AcquireLease output. */
export function grantToWaiter(deps: Pick<TaskDeps, 'traces'>) {
  return (waiter: Waiter, lease: Lease): Promise<LeaseState> => {
    const context = waiter.context as unknown as WaiterContext;
    return grantLease(deps, { traceId: waiter.traceId, executionName: waiter.executionName, startedAt: context.startedAt }, lease, context.target);
  };
}

/**
 * AcquireLease, a callback task: it answers its own token when an IP is free, and otherwise queues
 * the trace, whose token a release (or the sweep, or this task's own dispatch, for an IP already
 * cooling) answers with a lease that starts when the cooldown ends. Queued traces are served in
 * arrival order; a newcomer queues behind them rather than take an IP first.
 */
export async function acquireLease(
  deps: Pick<TaskDeps, 'clock' | 'traces' | 'pool' | 'offers' | 'memory' | 'waiters' | 'tokens'>,
  input: AcquireInput,
): Promise<'acquired' | 'queued' | 'failed'> {
  const { taskToken, state } = input;
  const { request, executionName } = state;
  try {
    const now = deps.clock();
    if (!(await deps.traces.markRunning(request.traceId, request.attempt, executionName, now))) {
      throw new TraceSuperseded(`trace ${request.traceId} is no longer queued for ${executionName}`);
    }
    const offer = await requireOffer(deps, request.offerId);
    const target = await traceTarget(deps.memory, offer);
    const anyCountry = request.country === 'any' || offer.tracePolicy.anyCountry;
    const queued = await deps.waiters.hasWaiting(anyCountry ? ANY_COUNTRY_QUEUE : request.country);
    const granted = queued
      ? undefined
      : // Free IPs only: one still cooling goes through the queue, to whoever has waited longest.
        await deps.pool.grant(request.country, request.traceId, { anyCountry }).catch((error: unknown) => {
          if (error instanceof NoIpAvailable) return undefined;
          throw error;
        });
    if (granted) {
      const output = await grantLease(deps, { traceId: request.traceId, executionName, startedAt: state.startedAt }, granted.lease, target);
      if ((await deps.tokens.succeed(taskToken, output)) === 'gone' && !granted.reused) await deps.pool.giveBack(granted.lease);
      return 'acquired';
    }
    const context: WaiterContext = { startedAt: state.startedAt, target };
    await deps.waiters.register({
      traceId: request.traceId,
      executionName,
      taskToken,
      country: request.country,
      anyCountry,
      arrivedAt: state.startedAt,
      context: context as unknown as Record<string, unknown>,
    });
    // An IP cooling with no one to hand it to (released before anyone queued) goes to the longest
    // waiter now, which may be this trace or one that queued just before it.
    if (request.country !== ANY_COUNTRY_QUEUE) await deps.waiters.dispatch(request.country, 1);
    return 'queued';
  } catch (error) {
    // The task fails with the error's name (Catch rules match it), whichever way Lambda reports it.
    const name = (error as Error).name || 'Error';
    if ((await deps.tokens.fail(taskToken, name, (error as Error).message ?? String(error)).catch(() => 'unsent')) === 'unsent') throw error;
    return 'failed';
  }
}

/** Clocks of two Lambda hosts may differ by this much; a lease judged by the clock keeps it as a margin. */
export const CLOCK_SKEW_MS = 1000;

/**
 * Did the trace hold its lease until it was done with the IP? ReleaseLease (which runs before
 * StoreResult) answers it on the IP's own item: its conditional write succeeds only for the lease
 * it names (leaseId). When the release failed, only the clock can answer: held if the lease cannot
 * have expired yet.
 */
export function leaseHeld(state: PipelineState, lease: LeaseState, now: number): { held: boolean; why?: string } {
  const release = state.release;
  if (release?.released || release?.reason === 'already_released') return { held: true };
  if (release?.reason === 'lease_lost') {
    return { held: false, why: `the lease on ${lease.ipId} (fence ${lease.fence}) expired and the IP was leased again before the trace released it` };
  }
  if (now + CLOCK_SKEW_MS < lease.expiresAt) return { held: true };
  return { held: false, why: `the release of ${lease.ipId} (fence ${lease.fence}) failed and its lease may have expired before the result was stored` };
}

export async function storeResult(
  deps: Pick<TaskDeps, 'clock' | 'traces' | 'memory' | 'config' | 'history' | 'onHistoryError'>,
  state: PipelineState,
): Promise<StoredState> {
  const result = state.trace?.result;
  if (!result) throw new Error('StoreResult needs a trace result');
  const lease = requireLease(state);
  const now = deps.clock();
  const held = leaseHeld(state, lease, now);
  if (!held.held) {
    // Another trace may have used the same IP while this one was still on it: its result claims
    // a lease period that was not its alone, so it is not kept. The attempt counts as a failure
    // of class lease_lost and is retried with a fresh lease.
    const lost = afterFailure(budgetAttempt(state.request), { class: 'lease_lost', message: held.why! }, now, deps.config.backoffMs);
    if (lost.status === 'completed') throw new Error('a lost lease cannot complete');
    const recorded = await deps.traces.recordFailure(
      state.request.traceId,
      { statuses: ['running'], executionName: state.executionName },
      { status: lost.status, statusAt: lost.retryAt ?? now, error: lost.error },
      now,
    );
    return recorded ? { status: lost.status, leaseLost: true } : { status: 'superseded' };
  }
  const verdict = judgeResult(result, budgetAttempt(state.request), now, deps.config.backoffMs);
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
  if (verdict.status === 'completed' && result.outcome === 'resolved' && deps.history) {
    const trace: ResolvedTrace = {
      offerId: state.request.offerId,
      traceId: state.request.traceId,
      finalUrl: result.finalUrl,
      params: result.params,
      mode: result.mode,
      clickIdParams: lease.target?.clickIdParams ?? [],
      at: now,
    };
    // The history is a convenience next to the trace: its failure must never fail the trace.
    await deps.history.record(trace).catch((error: unknown) => deps.onHistoryError?.(error, state.request.traceId));
  }
  return { status: verdict.status, finalUrl: result.finalUrl, params: result.params, ...(result.truncated ? { truncated: result.truncated } : {}) };
}

/** How the IP did: from the trace result when there is one, else from the caught error. */
export function releaseOutcomeOf(state: PipelineState) {
  const result = state.trace?.result;
  if (result && !state.error) return releaseOutcomeFor(result.outcome === 'resolved' ? undefined : (result.error?.class ?? 'offer'));
  return releaseOutcomeFor(state.error ? classifyTaskError(state.error.Error) : 'internal');
}

/**
 * Gives the IP back, and hands it on (in its cooldown) to the trace that has waited longest for
 * its country. A failed hand-off costs the release nothing: the minute sweep hands the IP out.
 */
export async function releaseLease(
  deps: Pick<TaskDeps, 'clock' | 'traces' | 'pool'> & { readonly waiters?: LeaseWaiters; readonly onHandOffError?: (error: unknown) => void },
  state: PipelineState,
): Promise<ReleaseState> {
  const lease = requireLease(state);
  const outcome = releaseOutcomeOf(state);
  // Read before the release: its cooldown starts no earlier than this, so a hand-off never appears
  // to start a lease within the cooldown of the release recorded here.
  const at = deps.clock();
  const released = await deps.pool.release(lease, outcome);
  if (released.released) await deps.traces.recordRelease(state.request.traceId, lease.fence, at);
  if (released.released && !released.markedUnhealthy && deps.waiters) {
    await deps.waiters.handOffIp({ ipId: lease.ipId, country: lease.country, leaseId: lease.leaseId }).catch((error: unknown) => deps.onHandOffError?.(error));
  }
  return { outcome, ...released, at };
}

export async function recordFailure(deps: Pick<TaskDeps, 'clock' | 'traces' | 'config'>, state: PipelineState): Promise<StoredState> {
  const now = deps.clock();
  const errorName = state.error?.Error;
  const cls = errorName === 'OfferGone' ? 'offer' : classifyTaskError(errorName);
  const verdict = afterFailure(
    budgetAttempt(state.request),
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
