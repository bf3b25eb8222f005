/** GET /admin/traces/{traceId} and GET /admin/traces?status=&offerId=&limit= */
import { httpHandler } from '../shared/middleware';
import { json } from '../shared/http';
import { BadRequestError, NotFoundError } from '../shared/errors';
import { isTraceId } from '../trace-requests/trace-request';
import { isValidOfferId } from '../offers/offer-id';
import { TRACE_STATUSES, type TraceRecord, type TraceStatus } from '../traces/trace-record';
import { traceRepository } from '../pipeline/pipeline-deps';

export const handler = httpHandler(async (event) => {
  const traces = traceRepository();
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

  let items: TraceRecord[];
  if (q.offerId) {
    // byOffer is newest first; a status filter applies on top.
    items = (await traces.byOffer(q.offerId, q.status ? 500 : limit)).filter((t) => !q.status || t.status === q.status).slice(0, limit);
  } else {
    const statuses = q.status ? [q.status as TraceStatus] : TRACE_STATUSES;
    const all = await Promise.all(statuses.map((s) => traces.byStatus(s, { limit, newestFirst: true })));
    items = all.flat().sort((a, b) => b.updatedAt - a.updatedAt).slice(0, limit);
  }
  return json(200, { traces: items, count: items.length });
});
