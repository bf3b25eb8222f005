/**
 * GET|POST /event/impression and /event/click: 204 at once (pixels never error), the event on
 * the events queue. `strict=1` (or x-tracepool-strict: 1) turns invalid input into a 400.
 */
import { httpHandler } from '../shared/middleware';
import { bodyText, header, type HttpEvent, type HttpResult } from '../shared/http';
import { awsJsonClientFromEnv, SQS, type AwsJsonClient } from '../shared/aws-json-client';
import { FAST_QUEUE } from '../shared/fast-queue';
import { builtOnFirstCall } from '../shared/built-on-first-call';
import { domainLog, metrics, MetricUnit } from '../shared/powertools';
import { createIngest } from './ingest';
import { SqsEventQueue } from './event-queue';
import { readIngestConfig, type IngestConfig } from './config';

export interface IngestHandlerDeps {
  readonly ingest: ReturnType<typeof createIngest>;
  readonly allowedOrigins: ReadonlySet<string>;
}

/** The lean JSON-protocol client with the fast queue's timeouts: a pixel never waits on SQS for long. */
export function makeDeps(config: IngestConfig, clients: { sqs: AwsJsonClient } = { sqs: awsJsonClientFromEnv(SQS, FAST_QUEUE) }): IngestHandlerDeps {
  const queue = new SqsEventQueue(clients.sqs, config.eventsQueueUrl);
  return { ingest: createIngest({ queue, log: domainLog }), allowedOrigins: new Set(config.corsOrigins) };
}

/** Form-encoded POST bodies carry the same fields as the query string. */
function params(event: HttpEvent): Record<string, string | undefined> {
  const query = { ...event.queryStringParameters };
  if (event.requestContext.http.method === 'POST' && /x-www-form-urlencoded/.test(header(event, 'content-type') ?? '')) {
    for (const [k, v] of new URLSearchParams(bodyText(event).slice(0, 8192))) query[k] ??= v;
  }
  return query;
}

function cors(allowedOrigins: ReadonlySet<string>, event: HttpEvent): Record<string, string> {
  const origin = header(event, 'origin');
  return origin && (allowedOrigins.has(origin) || allowedOrigins.has('*')) ? { 'access-control-allow-origin': allowedOrigins.has('*') ? '*' : origin, vary: 'Origin' } : {};
}

export function makeHandler({ ingest, allowedOrigins }: IngestHandlerDeps) {
  return httpHandler(async (event): Promise<HttpResult> => {
    const result = await ingest({
      type: event.pathParameters?.type,
      params: params(event),
      headers: event.headers,
      clientIp: event.requestContext.http.sourceIp,
      userAgent: header(event, 'user-agent'),
    });
    if (result.outcome === 'queued') metrics.addMetric('EventQueued', MetricUnit.Count, 1);
    if (result.outcome === 'lost') metrics.addMetric('EventLost', MetricUnit.Count, 1);
    if (result.outcome === 'invalid') {
      metrics.addDimension('reason', result.reason);
      metrics.addMetric('EventInvalid', MetricUnit.Count, 1);
    }
    const headers = { 'cache-control': 'no-store', ...cors(allowedOrigins, event) };
    if (result.status === 400) {
      return { statusCode: 400, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ error: 'invalid_event', reason: result.reason }) };
    }
    return { statusCode: 204, headers };
  });
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readIngestConfig())));
