/**
 * GET /admin/traces/{traceId} and GET /admin/traces?status=&offerId=&since=&limit=: newest first;
 * `since` (an ISO time, epoch ms, or a duration back from now: `24h`) keeps the traces created then
 * or later, read by the index's key where it can (byOffer's createdAt). A list shorter than
 * asked for, with no status filter, also says how many clicks were skipped as bots in the last
 * hour or two (`botSkipped`) and why (`hint`): the usual reason a newcomer's click left no trace;
 * and how many the starter did not trace (`traceSkipped`: over the offer's budget, repeated click ids).
 *
 * POST /admin/traces/requeue: failed, dead-lettered or timed-out traces back into the pipeline, a
 * bounded page per call (trace-requeue.ts). The requeue is a conditional move of the record to
 * retry_scheduled, due now, which the retry schedule sends like any retry: no queue access here and
 * no crash window, and a trace requeued twice runs once. Its attempt budget is extended, not
 * reset: the attempt number keeps growing (it names the execution), and the retry policy counts
 * from the attempts made before the requeue, so the trace gets the whole backoff again.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { httpHandler } from '../shared/middleware';
import { parseJsonBody } from '../shared/json-body';
import { json } from '../shared/http';
import { BadRequestError, NotFoundError } from '../shared/errors';
import { isTraceId } from '../traces/trace-request';
import { isValidOfferId } from '../offers/offer-id';
import { TRACE_STATUSES, type TraceRecord, type TraceStatus } from '../traces/trace-record';
import { TraceRepository } from '../traces/trace-repository';
import { dynamo } from '../shared/aws-clients';
import { builtOnFirstCall } from '../shared/built-on-first-call';
import { logger } from '../shared/powertools';
import { readTimeBound } from '../shared/time-bound';
import { botSkipHint, readBotSkips, readTraceSkips, traceSkipHint, type BotSkips, type TraceSkips } from '../traces/bot-skip-hint';
import { readAdminTracesConfig, type AdminTracesConfig } from './config';
import { parseRequeueBody, requeueTraces, type RequeueOutcome } from './trace-requeue';

export interface AdminTracesDeps {
  readonly traces: TraceRepository;
  readonly doc: DynamoDBDocumentClient;
  /** Absent: the list is served without the skip hints. */
  readonly opsTable?: string;
  readonly clock: () => number;
}

export function makeDeps(config: AdminTracesConfig, clients: { doc: DynamoDBDocumentClient } = { doc: dynamo() }): AdminTracesDeps {
  return {
    traces: new TraceRepository({ doc: clients.doc, tableName: config.tracesTable, ttlDays: config.traceTtlDays }),
    doc: clients.doc,
    opsTable: config.opsTable,
    clock: Date.now,
  };
}

async function botSkipsFor({ doc, opsTable, clock }: AdminTracesDeps, offerId: string | undefined): Promise<BotSkips | undefined> {
  if (!opsTable) return undefined;
  try {
    return await readBotSkips(doc, opsTable, clock(), offerId);
  } catch (error) {
    // A hint is never worth failing the list for.
    logger.warn('bot-skip counts unavailable', { error: error as Error });
    return undefined;
  }
}

async function traceSkipsFor({ doc, opsTable, clock }: AdminTracesDeps, offerId: string | undefined): Promise<TraceSkips | undefined> {
  if (!opsTable) return undefined;
  try {
    return await readTraceSkips(doc, opsTable, clock(), offerId);
  } catch (error) {
    logger.warn('trace-skip counts unavailable', { error: error as Error });
    return undefined;
  }
}

/** Each trace not requeued, with its reason: the operator's answer only counts them. */
function logOutcome(outcome: RequeueOutcome): void {
  if (outcome.result === 'skipped') logger.info('trace requeue skipped', { traceId: outcome.traceId, reason: outcome.reason, status: outcome.status });
  else if (outcome.result === 'failed') logger.warn('trace requeue failed', { traceId: outcome.traceId, reason: outcome.reason, error: outcome.error });
}

export function makeHandler(deps: AdminTracesDeps) {
  return httpHandler(async (event) => {
    const { traces } = deps;
    if (event.requestContext?.http?.method === 'POST') {
      const selection = parseRequeueBody(parseJsonBody(event), deps.clock());
      const summary = await requeueTraces({ traces, clock: deps.clock, onOutcome: logOutcome }, selection);
      logger.info('traces requeued', { selection: selection.kind, ...summary });
      return json(200, summary);
    }
    const traceId = event.pathParameters?.traceId;
    if (traceId !== undefined) {
      if (!isTraceId(traceId)) throw new BadRequestError('traceId must be a trace id (UUIDv7)');
      const record = await traces.get(traceId);
      if (!record) throw new NotFoundError(`trace ${traceId} not found`);
      return json(200, record);
    }
    const q = event.queryStringParameters ?? {};
    const limit = q.limit === undefined ? 50 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new BadRequestError('limit must be an integer between 1 and 500');
    if (q.status !== undefined && !(TRACE_STATUSES as readonly string[]).includes(q.status)) {
      throw new BadRequestError(`status must be one of ${TRACE_STATUSES.join(', ')}`);
    }
    if (q.offerId !== undefined && !isValidOfferId(q.offerId)) throw new BadRequestError('invalid offerId');

    const since = q.since === undefined ? undefined : readTimeBound(q.since, deps.clock());
    if (q.since !== undefined && since === undefined) throw new BadRequestError('since must be an ISO time, epoch milliseconds or a duration back from now (90m, 24h, 7d)');
    const created = (t: TraceRecord) => since === undefined || t.createdAt >= since;

    let items: TraceRecord[];
    if (q.offerId) {
      // byOffer is newest first, its key the creation time; a status filter applies on top.
      items = (await traces.byOffer(q.offerId, q.status ? 500 : limit, since)).filter((t) => !q.status || t.status === q.status).slice(0, limit);
    } else {
      // A trace enters its status after it is created: statusAt >= since bounds the read, the creation time decides.
      const statuses = q.status ? [q.status as TraceStatus] : TRACE_STATUSES;
      const all = await Promise.all(statuses.map((s) => traces.byStatus(s, { limit, newestFirst: true, ...(since !== undefined ? { after: since } : {}) })));
      items = all
        .flat()
        .filter(created)
        .sort((a, b) => b.updatedAt - a.updatedAt)
        .slice(0, limit);
    }
    const explain = items.length < limit && !q.status;
    const [skips, admission] = explain ? await Promise.all([botSkipsFor(deps, q.offerId), traceSkipsFor(deps, q.offerId)]) : [undefined, undefined];
    const hints = [
      ...(skips && skips.count > 0 ? [botSkipHint(skips, q.offerId)] : []),
      ...(admission && (admission.budget || admission.duplicate || admission.paused) ? [traceSkipHint(admission, q.offerId)] : []),
    ];
    return json(200, {
      traces: items,
      count: items.length,
      ...(skips && skips.count > 0 ? { botSkipped: skips } : {}),
      // Clicks not traced: beyond the offer's budget, a repeated click id, or the offer paused.
      ...(admission && (admission.budget || admission.duplicate || admission.paused) ? { traceSkipped: admission } : {}),
      ...(hints.length ? { hint: hints.join(' ') } : {}),
    });
  });
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readAdminTracesConfig())));
