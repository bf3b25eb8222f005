/**
 * AWS's quotas on the local stack, so what would fail in AWS fails here first: API Gateway's 30 s
 * integration timeout (scaled down here) and 10 MB payload, each function's own timeout, Lambda's
 * 6 MB response, SQS's 256 KiB message, DynamoDB's 400 KB item. The slow and runaway handlers are
 * test-only functions registered beside the app's (the shipped manifest is untouched).
 */
import http from 'node:http';
import { ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalStack } from '../../local/stack';
import type { FunctionDef } from '../../contracts/manifest/functions';
import { STACK_START_MS, startTestStack } from '../support/test-stack';
import { API_PAYLOAD_BYTES, SQS_MESSAGE_BYTES } from '../../local/aws-limits';

const probe = (id: string, timeoutSeconds: number, path: string): FunctionDef => ({
  id,
  entry: 'test/support/isolate-functions/probe-handler.ts',
  description: 'test-only probe',
  timeoutSeconds,
  routes: [{ method: 'GET', path, auth: 'public' }],
});

const API_TIMEOUT_MS = 1_500;
let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack('e2e-limits', {
    pipeline: false,
    schedules: false,
    demo: false,
    apiTimeoutMs: API_TIMEOUT_MS,
    extraFunctions: [probe('TestSlowRoute', 10, '/test/slow'), probe('TestShortTimeout', 1, '/test/short')],
  });
}, STACK_START_MS);
afterAll(() => stack?.stop());

const get = async (path: string) => {
  const started = Date.now();
  const res = await fetch(`${stack.url}${path}`);
  return { status: res.status, body: (await res.json()) as unknown, ms: Date.now() - started };
};

test("an integration slower than the API's timeout gets 503 Service Unavailable, as from API Gateway", async () => {
  const res = await get('/test/slow?action=sleep&ms=5000');
  expect(res).toMatchObject({ status: 503, body: { message: 'Service Unavailable' } });
  expect(res.ms).toBeGreaterThanOrEqual(API_TIMEOUT_MS - 50);
  expect(res.ms).toBeLessThan(4_500);
  expect((await get('/test/slow?action=sleep&ms=10')).status).toBe(200);
});

test("a handler that outlives its function's timeout is cut off (500); the next request gets a fresh isolate", async () => {
  const warm = await get('/test/short');
  expect(warm.status).toBe(200);
  const res = await get('/test/short?action=spin&ms=30000');
  expect(res).toMatchObject({ status: 500, body: { message: 'Internal Server Error' } });
  expect(res.ms).toBeLessThan(API_TIMEOUT_MS); // cut off at 1 s, before the API would give up
  expect(await get('/test/short')).toMatchObject({ status: 200, body: { invocations: 1 } });
});

test('a response over 6 MB fails the integration (500)', async () => {
  expect(await get('/test/slow?action=big&mb=7')).toMatchObject({ status: 500, body: { message: 'Internal Server Error' } });
});

test('a request body over 10 MB is refused with 413', async () => {
  const res = await fetch(`${stack.url}/event/click`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(API_PAYLOAD_BYTES + 1) });
  expect(res.status).toBe(413);
  expect(await res.json()).toEqual({ message: 'Request Entity Too Large' });
});

test('SQS refuses a message over 256 KiB', async () => {
  const send = (bytes: number) => stack.sqs.send(new SendMessageCommand({ QueueUrl: stack.queues.queues.Events, MessageBody: 'x'.repeat(bytes) }));
  await expect(send(SQS_MESSAGE_BYTES)).resolves.toMatchObject({ MessageId: expect.any(String) });
  await expect(send(SQS_MESSAGE_BYTES + 1)).rejects.toMatchObject({ message: expect.stringMatching(/Message must be shorter than 262144 bytes/) });
});

test('SQS counts the size in UTF-8 bytes, as AWS does, not in characters', async () => {
  const send = (body: string) => stack.sqs.send(new SendMessageCommand({ QueueUrl: stack.queues.queues.TraceRequests, MessageBody: body }));
  const accented = 'é'.repeat(140_000); // 140,000 characters, 280,000 bytes
  await expect(send(accented)).rejects.toMatchObject({ message: expect.stringMatching(/Message must be shorter than 262144 bytes/) });
  // Under the limit in bytes, the message is stored exactly as sent.
  const fits = 'é'.repeat(100_000);
  await expect(send(fits)).resolves.toMatchObject({ MessageId: expect.any(String) });
  const got = await stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.queues.queues.TraceRequests, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  expect(got.Messages?.map((m) => m.Body)).toEqual([fits]);
  // In a batch, the entry over the limit fails alone.
  const batch = await stack.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: stack.queues.queues.TraceRequests,
      Entries: [
        { Id: 'big', MessageBody: accented },
        { Id: 'small', MessageBody: 'é' },
      ],
    }),
  );
  expect(batch.Successful?.map((e) => e.Id)).toEqual(['small']);
  expect(batch.Failed).toEqual([expect.objectContaining({ Id: 'big', Message: expect.stringMatching(/Message must be shorter than 262144 bytes/) })]);
});

test('DynamoDB (Local) refuses an item over 400 KB', async () => {
  const put = (bytes: number) => stack.doc.send(new PutCommand({ TableName: stack.tables.Ops, Item: { pk: 'limits', sk: String(bytes), blob: 'x'.repeat(bytes) } }));
  await expect(put(390 * 1024)).resolves.toBeDefined();
  await expect(put(400 * 1024)).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringMatching(/Item size has exceeded the maximum allowed size/) });
});

test('the local stack answers only to its own Host (127.0.0.1 or localhost on its port): DNS rebinding gets 403', async () => {
  const get = (host: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: stack.port, path: '/health', headers: { host } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  expect((await get(`127.0.0.1:${stack.port}`)).status).toBe(200);
  expect((await get(`localhost:${stack.port}`)).status).toBe(200);
  expect(await get(`attacker.example:${stack.port}`)).toEqual({ status: 403, body: JSON.stringify({ message: 'Forbidden: unknown Host header' }) });
  expect((await get('127.0.0.1')).status).toBe(403); // another port's origin
  expect((await get(`127.0.0.1:${stack.port}.attacker.example`)).status).toBe(403);
});
