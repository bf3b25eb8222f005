/**
 * The trace record in the Traces table, through its whole life:
 * queued → running → completed | failed | retry_scheduled | dead_lettered | timeout.
 * Shared by the pipeline (writes), the admin routes and the operations monitor (reads).
 */
import type { TraceRequest } from './trace-request';
import type { AdsCompatibility, ClickIdReport, Hop, TraceMode, TraceOutcome } from '../tracer/types';
import type { Truncation } from '../tracer/limits';

export const TRACE_STATUSES = ['queued', 'running', 'completed', 'failed', 'retry_scheduled', 'dead_lettered', 'timeout'] as const;
export type TraceStatus = (typeof TRACE_STATUSES)[number];

/**
 * Why a trace did not complete. `no_ip`: the pool had nothing free; `timeout`: the deadline passed;
 * `lease_lost`: the IP's lease expired and was granted to another trace before this one was done
 * with it, so its result is not kept (retried).
 */
export type FailureClass = 'proxy' | 'offer' | 'network' | 'internal' | 'no_ip' | 'timeout' | 'lease_lost';

export interface TraceTimings {
  /** Click (or retry) → execution start. */
  queueWaitMs?: number;
  /** Execution start → lease granted. */
  leaseWaitMs?: number;
  /** The tracer's own time (HTTP plus browser when used). */
  traceMs?: number;
  /** Click → result stored. */
  totalMs?: number;
}

export interface TraceRecord {
  traceId: string;
  offerId: string;
  source: TraceRequest['source'];
  status: TraceStatus;
  /** Epoch ms the record entered its status; for retry_scheduled, when the retry is due (GSI byStatus). */
  statusAt: number;
  /** Attempts started so far (1 after the first execution starts). */
  attempts: number;
  /** When an operator last requeued the trace, and how many times they have. */
  requeuedAt?: number;
  requeues?: number;
  country: string;
  device: TraceRequest['device'];
  /** The request as queued, so a retry can re-enqueue it unchanged. */
  request: TraceRequest;
  /** The lease of the latest attempt. The fence guards the result against stale holders. */
  ip?: { ipId: string; fence: number; provider: string; country: string };
  leaseAcquiredAt?: number;
  leaseReleasedAt?: number;
  mode?: TraceMode;
  outcome?: TraceOutcome;
  finalUrl?: string;
  /** Parameters of the final URL. */
  params?: Record<string, string>;
  hops?: Hop[];
  adsCompatibility?: AdsCompatibility;
  clickIds?: ClickIdReport;
  proxyBytes?: number;
  /** What the pages sent that was too large to keep whole (URLs, parameters, hops…). */
  truncated?: Truncation;
  error?: { class: FailureClass; message: string };
  timings?: TraceTimings;
  /** The Step Functions execution of the latest attempt. */
  executionName?: string;
  createdAt: number;
  updatedAt: number;
  /** DynamoDB TTL, epoch seconds. */
  expiresAt: number;
}

/** Statuses a trace can still leave on its own; the others are final until an operator acts. */
export const ACTIVE_STATUSES: readonly TraceStatus[] = ['queued', 'running', 'retry_scheduled'];

/**
 * Statuses an operator may requeue: the final failures, and timeouts (which the retry schedule
 * would retry later anyway; a requeue makes it now). Never an active or completed trace.
 */
export const REQUEUEABLE_STATUSES = ['failed', 'dead_lettered', 'timeout'] as const satisfies readonly TraceStatus[];
export type RequeueableStatus = (typeof REQUEUEABLE_STATUSES)[number];
