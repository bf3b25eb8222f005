/**
 * What the console says about traces, kept apart from the pages so it can be tested: which
 * statuses are final or requeueable, and the click ids per hop.
 */
import type { TraceRecord } from './types';

export const TRACE_STATUSES = ['queued', 'running', 'completed', 'failed', 'retry_scheduled', 'dead_lettered', 'timeout'] as const;
/** Statuses a trace does not leave on its own. */
export const FINAL_STATUSES: readonly string[] = ['completed', 'failed', 'dead_lettered', 'timeout'];
/** What an operator may requeue (the API refuses the others). */
export const REQUEUEABLE_STATUSES = ['failed', 'dead_lettered', 'timeout'] as const;

export const isFinal = (status: string): boolean => FINAL_STATUSES.includes(status);
export const isRequeueable = (status: string): boolean => (REQUEUEABLE_STATUSES as readonly string[]).includes(status);

export interface HopClickIds {
  /** The tracked click ids present in this hop's URL. */
  readonly present: readonly string[];
  /** Tracked ids seen at an earlier hop and missing here. */
  readonly dropped: readonly string[];
}

/** Per hop, which click ids it carried and which it dropped (against all the hops before it). */
export function clickIdsPerHop(trace: Pick<TraceRecord, 'hops' | 'clickIds'>): HopClickIds[] {
  const perHop = trace.clickIds?.perHop ?? [];
  const seen = new Set<string>();
  return (trace.hops ?? []).map((_, i) => {
    const present = perHop[i] ?? [];
    const dropped = [...seen].filter((name) => !present.includes(name));
    present.forEach((name) => seen.add(name));
    return { present, dropped };
  });
}
