/**
 * GET /admin/traces?since= on DynamoDB Local: the traces created since a moment (an ISO time,
 * epoch ms or a duration back from now), newest first, read by the byOffer index's key for an
 * offer and by byStatus otherwise; a since the API cannot read is a 400.
 */
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { freshTables, localDynamo } from '../../support/local-endpoints';
import { newTraceId } from '../../../lambdas/traces/trace-request';
import type { TraceRecord, TraceStatus } from '../../../lambdas/traces/trace-record';
import { readAdminTracesConfig } from '../../../lambdas/admin/config';
import * as tracesHandler from '../../../lambdas/admin/traces.handler';
import { tableEnv } from '../../../contracts/manifest/env';

const { doc } = localDynamo();
const NOW = Date.parse('2026-12-01T12:00:00Z');
const HOUR = 3_600_000;
const context = { functionName: 'AdminTraces', awsRequestId: 'r', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const get = (query: Record<string, string>): APIGatewayProxyEventV2 =>
  ({
    version: '2.0',
    routeKey: 'GET /admin/traces',
    rawPath: '/admin/traces',
    rawQueryString: new URLSearchParams(query).toString(),
    queryStringParameters: query,
    headers: {},
    requestContext: { http: { method: 'GET', path: '/admin/traces', sourceIp: '203.0.113.7' }, routeKey: 'GET /admin/traces', stage: '$default' },
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2;

/** A trace created `hoursAgo`, in `status` since an hour after that. */
function record(offerId: string, status: TraceStatus, hoursAgo: number): TraceRecord {
  const createdAt = NOW - hoursAgo * HOUR;
  return {
    traceId: newTraceId(),
    offerId,
    source: 'click',
    status,
    statusAt: createdAt + HOUR / 2,
    attempts: 1,
    country: 'us',
    device: 'desktop',
    createdAt,
    updatedAt: createdAt + HOUR / 2,
    expiresAt: Math.floor(Date.now() / 1000) + 7 * 86_400,
  } as TraceRecord;
}

let handler: Handler;
const seeded = [
  record('shoes', 'completed', 1),
  record('shoes', 'failed', 5),
  record('shoes', 'completed', 30),
  record('hats', 'completed', 2),
  record('hats', 'failed', 48),
];

beforeAll(async () => {
  const tables = await freshTables('trace-list');
  await doc.send(new BatchWriteCommand({ RequestItems: { [tables.Traces]: seeded.map((Item) => ({ PutRequest: { Item } })) } }));
  const deps = tracesHandler.makeDeps(readAdminTracesConfig({ [tableEnv('Traces')]: tables.Traces }), { doc });
  handler = tracesHandler.makeHandler({ ...deps, clock: () => NOW }) as unknown as Handler;
});

async function list(query: Record<string, string>): Promise<{ status: number; ages: number[]; message?: string }> {
  const res = await handler(get(query), context);
  const body = JSON.parse(res.body!) as { traces?: TraceRecord[]; message?: string };
  return { status: res.statusCode!, ages: (body.traces ?? []).map((t) => (NOW - t.createdAt) / HOUR), ...(body.message ? { message: body.message } : {}) };
}

it("keeps an offer's traces created since a duration back from now, newest first", async () => {
  expect(await list({ offerId: 'shoes' })).toEqual({ status: 200, ages: [1, 5, 30] });
  expect(await list({ offerId: 'shoes', since: '24h' })).toEqual({ status: 200, ages: [1, 5] });
  expect(await list({ offerId: 'shoes', since: '24h', status: 'failed' })).toEqual({ status: 200, ages: [5] });
});

it('takes an ISO time or epoch ms, and keeps every offer and status without an offer', async () => {
  expect(await list({ since: new Date(NOW - 3 * HOUR).toISOString() })).toEqual({ status: 200, ages: [1, 2] });
  expect(await list({ since: String(NOW - 6 * HOUR), status: 'failed' })).toEqual({ status: 200, ages: [5] });
  expect(await list({ since: '7d' })).toEqual({ status: 200, ages: [1, 2, 5, 30, 48] });
});

it('answers a since it cannot read with a 400', async () => {
  for (const since of ['yesterday', '24', '-1h', '2026-13-45']) {
    expect(await list({ since })).toMatchObject({ status: 400, message: expect.stringMatching(/since must be/) });
  }
});
