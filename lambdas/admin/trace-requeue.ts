/**
 * The operator's requeue of failed, dead-lettered or timed-out traces (POST /admin/traces/requeue).
 *
 * A requeue only moves the trace record: failed|dead_lettered|timeout → retry_scheduled, due now,
 * in one conditional write (TraceRepository.requeueFinal). The retry schedule then sends it like
 * any due retry — marked queued before the message, put back if the send fails — so this path
 * needs no queue grant and has no window where a crash loses or doubles a trace. The condition
 * makes it idempotent: a trace already requeued (or running, or completed) is skipped, so two
 * identical requests at once requeue each trace once.
 *
 * The attempt budget is extended, not reset: `attempts` keeps counting (each execution is named
 * after its attempt, and Step Functions refuses a name already used), and the retry policy counts
 * from the attempts made before the requeue, so the trace gets the whole backoff again.
 *
 * Selections: explicit trace ids (at most PAGE_SIZE per call), or the traces of one status —
 * of one offer or of all — that entered it since `since`, oldest first. A call handles one
 * bounded page and answers a `cursor` while more may remain; the client calls again with it.
 */
import { z } from 'zod';
import type { TraceRepository } from '../traces/trace-repository';
import { REQUEUEABLE_STATUSES, type RequeueableStatus, type TraceStatus } from '../traces/trace-record';
import { isTraceId } from '../traces/trace-request';
import { isValidOfferId } from '../offers/offer-id';
import { BadRequestError } from '../shared/errors';
import { readTimeBound } from '../shared/time-bound';
import { forEachLimited } from '../shared/concurrency';

/** Traces handled per call: ~100 conditional writes, a second or two, far within the API's 30 s. */
export const PAGE_SIZE = 100;
/** Queries one call may make looking for an offer's traces among the status's others. */
const MAX_QUERIES = 10;
/** Writes in flight at once. */
const CONCURRENCY = 10;
export const DEFAULT_SINCE = '24h';

export type RequeueSelection =
  | { readonly kind: 'ids'; readonly traceIds: readonly string[] }
  | { readonly kind: 'offer'; readonly offerId: string; readonly status: RequeueableStatus; readonly since: number; readonly cursor?: Record<string, unknown> }
  | { readonly kind: 'all'; readonly status: RequeueableStatus; readonly since: number; readonly cursor?: Record<string, unknown> };

export interface RequeueSummary {
  processed: number;
  requeued: number;
  skipped: number;
  failed: number;
  /** Present while more matching traces may remain: the same body with this cursor continues. */
  cursor?: string;
}

/** Why a trace was not requeued, as logged. */
export type RequeueOutcome =
  | { readonly traceId: string; readonly result: 'requeued' }
  | { readonly traceId: string; readonly result: 'skipped'; readonly reason: 'not_found' | 'not_requeueable'; readonly status?: TraceStatus }
  | { readonly traceId: string; readonly result: 'failed'; readonly reason: 'error'; readonly error: Error };

export interface RequeueDeps {
  readonly traces: Pick<TraceRepository, 'requeueFinal' | 'pageByStatus'>;
  readonly clock: () => number;
  /** Each trace's outcome, for the log. */
  readonly onOutcome?: (outcome: RequeueOutcome) => void;
}

/** `since` as epoch ms: ISO time, epoch ms (number or digits), or a duration back from now (24h, 30m, 7d). */
export function parseSince(value: string | number | undefined, now: number): number {
  const at = readTimeBound(value ?? DEFAULT_SINCE, now) ?? NaN;
  if (!Number.isSafeInteger(at) || at < 0) {
    throw new BadRequestError('since must be an ISO time (2026-01-31T12:00:00Z), epoch milliseconds, or a duration back from now (30m, 24h, 7d)');
  }
  if (at > now) throw new BadRequestError('since is in the future');
  return at;
}

const statusSchema = z.enum(REQUEUEABLE_STATUSES, { error: `status must be one of ${REQUEUEABLE_STATUSES.join(', ')}` });
const sinceSchema = z.union([z.number(), z.string().max(64)], { error: 'since must be a string or a number' }).optional();
const cursorSchema = z.string().max(4096).optional();

const idsSchema = z
  .object({
    traceIds: z
      .array(z.string().refine(isTraceId, 'must be a trace id (UUIDv7)'), { error: 'traceIds must be a list of trace ids' })
      .min(1, 'traceIds must not be empty')
      .max(PAGE_SIZE, `at most ${PAGE_SIZE} traceIds per call`),
  })
  .strict();
const offerSchema = z.object({ offerId: z.string().refine(isValidOfferId, 'invalid offer id'), status: statusSchema, since: sinceSchema, cursor: cursorSchema }).strict();
const allSchema = z.object({ all: z.literal(true, { error: 'all must be true' }), status: statusSchema, since: sinceSchema, cursor: cursorSchema }).strict();

const FORMS = 'give {"traceIds": [...]}, {"offerId", "status", "since"?} or {"all": true, "status", "since"?}';

function issuesOf(error: z.ZodError) {
  return error.issues.map((i) => ({ path: i.path.join('.') || (i.code === 'unrecognized_keys' ? i.keys.join(',') : ''), message: i.message }));
}

function parsed<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issues = issuesOf(result.error);
  const first = issues[0];
  throw new BadRequestError(`invalid requeue body: ${first?.path ? `${first.path}: ` : ''}${first?.message ?? 'invalid'}`, issues);
}

/** The cursor: the byStatus key where the previous page stopped, as base64url JSON. */
export const encodeCursor = (key: Record<string, unknown>): string => Buffer.from(JSON.stringify(key)).toString('base64url');

function decodeCursor(cursor: string | undefined, status: RequeueableStatus): Record<string, unknown> | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  // Only a key of this status's index: a cursor of another selection would read the wrong traces.
  const k = key as { traceId?: unknown; status?: unknown; statusAt?: unknown } | undefined;
  const valid =
    typeof k === 'object' &&
    k !== null &&
    Object.keys(k).length === 3 &&
    typeof k.traceId === 'string' &&
    isTraceId(k.traceId) &&
    k.status === status &&
    Number.isSafeInteger(k.statusAt);
  if (!valid) throw new BadRequestError('invalid cursor: pass back the cursor of the previous answer, with the same status');
  return { traceId: k.traceId, status: k.status, statusAt: k.statusAt };
}

/** The request body as a selection; a BadRequestError that says what is wrong otherwise. */
export function parseRequeueBody(body: unknown, now: number): RequeueSelection {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError(`the body must be a JSON object: ${FORMS}`);
  const has = (key: string) => Object.prototype.hasOwnProperty.call(body, key);
  const forms = ['traceIds', 'offerId', 'all'].filter(has);
  if (forms.length !== 1) throw new BadRequestError(forms.length ? `give only one of ${forms.join(', ')}: ${FORMS}` : FORMS);
  if (has('traceIds')) return { kind: 'ids', traceIds: [...new Set(parsed(idsSchema, body).traceIds)] };
  if (has('offerId')) {
    const b = parsed(offerSchema, body);
    return { kind: 'offer', offerId: b.offerId, status: b.status, since: parseSince(b.since, now), cursor: decodeCursor(b.cursor, b.status) };
  }
  const b = parsed(allSchema, body);
  return { kind: 'all', status: b.status, since: parseSince(b.since, now), cursor: decodeCursor(b.cursor, b.status) };
}

async function requeueOne(deps: RequeueDeps, traceId: string, from: readonly TraceStatus[]): Promise<RequeueOutcome> {
  try {
    const moved = await deps.traces.requeueFinal(traceId, from, deps.clock());
    if (moved.requeued) return { traceId, result: 'requeued' };
    if (moved.status === 'missing') return { traceId, result: 'skipped', reason: 'not_found' };
    return { traceId, result: 'skipped', reason: 'not_requeueable', status: moved.status };
  } catch (error) {
    return { traceId, result: 'failed', reason: 'error', error: error as Error };
  }
}

/** Requeues one page of the selection. Errors of single traces are counted; a failed read throws. */
export async function requeueTraces(deps: RequeueDeps, selection: RequeueSelection): Promise<RequeueSummary> {
  let traceIds: readonly string[];
  let from: readonly TraceStatus[];
  let nextKey: Record<string, unknown> | undefined;
  if (selection.kind === 'ids') {
    traceIds = selection.traceIds;
    from = REQUEUEABLE_STATUSES;
  } else {
    const page = await deps.traces.pageByStatus(selection.status, {
      after: selection.since,
      ...(selection.kind === 'offer' ? { offerId: selection.offerId } : {}),
      limit: PAGE_SIZE,
      startKey: selection.cursor,
      maxQueries: MAX_QUERIES,
    });
    traceIds = page.items.map((t) => t.traceId);
    // Only from the status asked for: a trace that moved on since the read is not this selection's.
    from = [selection.status];
    nextKey = page.nextKey;
  }
  const summary: RequeueSummary = { processed: 0, requeued: 0, skipped: 0, failed: 0 };
  await forEachLimited(traceIds, CONCURRENCY, async (traceId) => {
    const outcome = await requeueOne(deps, traceId, from);
    summary.processed++;
    summary[outcome.result]++;
    deps.onOutcome?.(outcome);
  });
  if (nextKey) summary.cursor = encodeCursor(nextKey);
  return summary;
}
