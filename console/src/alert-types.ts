/**
 * What each alert means, in a sentence an operator can act on (each alert also carries the health
 * check's own recommendation). Keyed by the server's alert types: a new type fails the type check
 * here until it is explained.
 */
import type { AlertType } from '../../lambdas/ops/thresholds';

export const ALERT_MEANINGS: Readonly<Record<AlertType, { readonly title: string; readonly means: string }>> = {
  no_healthy_ips: { title: 'No healthy IP', means: 'Nothing can be traced: every IP of the pool is unhealthy, disabled or missing. Clicks still redirect.' },
  pool_utilization: { title: 'Pool nearly full', means: 'Most healthy IPs are leased; at 95 % new traces start waiting for a lease.' },
  queue_depth: { title: 'Trace queue backing up', means: 'Trace requests wait in the queue faster than they are started.' },
  success_rate: { title: 'Success rate low', means: 'Too few recent traces completed (judged only with enough finished traces).' },
  unhealthy_ips: { title: 'Unhealthy IPs', means: 'A share of the enabled IPs failed their proxy checks and are out of rotation.' },
  expired_leases: { title: 'Expired leases', means: 'Traces died without releasing their IP; the IPs are reusable, each one is a lost trace.' },
  dlq_not_empty: { title: 'Dead letters', means: 'Messages failed for good and wait in a dead-letter queue; redrive them once the cause is fixed.' },
  trace_drift: { title: 'Landing changed', means: "An offer's landing page or its parameters changed since the trace before." },
  clicks_lost: { title: 'Clicks lost', means: "A click's trace request was neither queued nor parked: that click will never be traced." },
  events_lost: { title: 'Analytics events lost', means: 'An impression or click event could not be queued.' },
  traces_dead_lettered: { title: 'Traces dead-lettered', means: 'Traces used up their retries; requeue them on the Traces page once the cause is fixed.' },
  trackier_updates_failed: { title: 'Trackier updates failed', means: "A pair's URL2 campaign could not be updated with the traced parameters." },
};

/** The meaning of a type the console does not know yet (a newer server). */
export const alertMeaning = (type: string) => ALERT_MEANINGS[type as AlertType] ?? { title: type.replace(/_/g, ' '), means: '' };
