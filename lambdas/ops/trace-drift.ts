/**
 * Landing-page drift: per offer, the latest good trace (status completed, outcome resolved) is
 * compared with the offer's last good fingerprint — the final URL's origin + path and the set of
 * its parameter names (values differ per click, names should not). The state is kept in a
 * DriftStore (the Ops table: ops-table.ts).
 *
 * A change is reported as drift until either the latest trace matches the stored fingerprint
 * again (a blip), or the new fingerprint has been seen on `adoptAfterTraces` distinct traces
 * spanning at least `adoptAfterMs`: then it is adopted as the new "last good" one and the warning
 * (and its alert) clears by itself. The operator is told once, through the alert.
 */
import type { DriftFinding } from './thresholds';

export interface Fingerprint {
  /** origin + path, e.g. https://shop.example/landing */
  readonly landing: string;
  /** Sorted, de-duplicated parameter names of the final URL. */
  readonly params: readonly string[];
}

/** The latest good trace of an offer, as the drift check needs it. */
export interface LatestTrace {
  readonly offerId: string;
  readonly traceId: string;
  readonly finalUrl: string;
  readonly params?: Record<string, string>;
  readonly statusAt: number;
}

export interface DriftState {
  readonly good: Fingerprint;
  readonly goodTraceId: string;
  readonly candidate?: Fingerprint;
  readonly candidateFirstAt?: number;
  readonly candidateTraceIds?: readonly string[];
  /** Optimistic-locking counter. */
  readonly version: number;
}

export interface DriftPolicy {
  /** @default 5 */
  readonly adoptAfterTraces: number;
  /** @default 6 hours */
  readonly adoptAfterMs: number;
}
export const DEFAULT_DRIFT_POLICY: DriftPolicy = { adoptAfterTraces: 5, adoptAfterMs: 6 * 3_600_000 };

/** undefined when the URL cannot be parsed (such a trace is not a usable baseline). */
export function fingerprint(finalUrl: string, params?: Record<string, string>): Fingerprint | undefined {
  let url: URL;
  try {
    url = new URL(finalUrl);
  } catch {
    return undefined;
  }
  const names = new Set<string>(params ? Object.keys(params) : []);
  url.searchParams.forEach((_, name) => names.add(name));
  const landing = url.protocol === 'http:' || url.protocol === 'https:' ? `${url.origin}${url.pathname}` : `${url.protocol}${url.host}${url.pathname}`;
  return { landing, params: [...names].sort() };
}

export function diff(a: Fingerprint, b: Fingerprint): ('landing' | 'params')[] {
  const changes: ('landing' | 'params')[] = [];
  if (a.landing !== b.landing) changes.push('landing');
  if (a.params.length !== b.params.length || a.params.some((p, i) => p !== b.params[i])) changes.push('params');
  return changes;
}

export interface DriftStep {
  /** The state to store; undefined when nothing changes. */
  readonly next?: DriftState;
  readonly finding?: DriftFinding;
}

/** Pure: how one latest trace moves an offer's drift state. */
export function stepDrift(state: DriftState | undefined, latest: LatestTrace, policy: DriftPolicy = DEFAULT_DRIFT_POLICY): DriftStep {
  const fp = fingerprint(latest.finalUrl, latest.params);
  if (!fp) return {};
  if (!state) return { next: { good: fp, goodTraceId: latest.traceId, version: 1 } };
  const changes = diff(state.good, fp);
  if (!changes.length) {
    if (!state.candidate) return {};
    // Back to the known page: forget the candidate.
    return { next: { good: state.good, goodTraceId: latest.traceId, version: state.version + 1 } };
  }
  const finding: DriftFinding = { offerId: latest.offerId, traceId: latest.traceId, changes };
  const sameCandidate = state.candidate && !diff(state.candidate, fp).length;
  const seen = sameCandidate ? (state.candidateTraceIds ?? []) : [];
  const traceIds = seen.includes(latest.traceId) ? seen : [...seen, latest.traceId].slice(-policy.adoptAfterTraces);
  const firstAt = sameCandidate ? (state.candidateFirstAt ?? latest.statusAt) : latest.statusAt;
  if (traceIds.length >= policy.adoptAfterTraces && latest.statusAt - firstAt >= policy.adoptAfterMs) {
    return { next: { good: fp, goodTraceId: latest.traceId, version: state.version + 1 } };
  }
  if (sameCandidate && traceIds === seen) return { finding }; // same trace seen again: nothing to store
  return {
    next: { good: state.good, goodTraceId: state.goodTraceId, candidate: fp, candidateFirstAt: firstAt, candidateTraceIds: traceIds, version: state.version + 1 },
    finding,
  };
}

/** Where each offer's drift state is kept. */
export interface DriftStore {
  /** The states of those offers (absent: never seen). */
  load(offerIds: readonly string[]): Promise<Map<string, DriftState>>;
  /** Stores `next` if the offer's state is still `previous` (none: still absent); false when it changed. */
  store(offerId: string, next: DriftState, previous: DriftState | undefined, now: number): Promise<boolean>;
}

export interface DriftDeps {
  readonly store: DriftStore;
  readonly policy?: DriftPolicy;
}

export interface DriftTracker {
  /** Read-only: what is drifting now, as GET /admin/pool shows it. */
  inspect(latest: readonly LatestTrace[]): Promise<DriftFinding[]>;
  /** Reads, steps and stores each offer's state (conditional on its version); the health check. */
  update(latest: readonly LatestTrace[], now: number): Promise<DriftFinding[]>;
}

const MAX_OFFERS = 100;

export function createDriftTracker(deps: DriftDeps): DriftTracker {
  const policy = deps.policy ?? DEFAULT_DRIFT_POLICY;

  const load = (offerIds: string[]) => deps.store.load(offerIds);

  const newest = (latest: readonly LatestTrace[]) => {
    const byOffer = new Map<string, LatestTrace>();
    for (const t of latest) {
      const seen = byOffer.get(t.offerId);
      if (!seen || t.statusAt > seen.statusAt) byOffer.set(t.offerId, t);
    }
    return [...byOffer.values()].sort((a, b) => b.statusAt - a.statusAt).slice(0, MAX_OFFERS);
  };

  async function inspect(latest: readonly LatestTrace[]): Promise<DriftFinding[]> {
    const traces = newest(latest);
    const states = await load(traces.map((t) => t.offerId));
    return traces.flatMap((t) => stepDrift(states.get(t.offerId), t, policy).finding ?? []);
  }

  const store = (offerId: string, next: DriftState, previous: DriftState | undefined, now: number) => deps.store.store(offerId, next, previous, now);

  async function update(latest: readonly LatestTrace[], now: number): Promise<DriftFinding[]> {
    const traces = newest(latest);
    const states = await load(traces.map((t) => t.offerId));
    const findings: DriftFinding[] = [];
    for (const t of traces) {
      let state = states.get(t.offerId);
      let step = stepDrift(state, t, policy);
      if (step.next && !(await store(t.offerId, step.next, state, now))) {
        // A concurrent health check stored first: step again from what it stored. Losing a second
        // time means it stored this very step, which is just as good.
        state = (await load([t.offerId])).get(t.offerId);
        step = stepDrift(state, t, policy);
        if (step.next) await store(t.offerId, step.next, state, now);
      }
      if (step.finding) findings.push(step.finding);
    }
    return findings;
  }

  return { inspect, update };
}
