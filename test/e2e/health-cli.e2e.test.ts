/**
 * `tracepool health` against a real local stack in each health state: exit 0 healthy, 1 degraded
 * (warnings), 2 critical or unreachable; `health --history` over the snapshots the health check wrote.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalStack } from '../../local/stack';
import { STACK_START_MS, startTestStack } from '../support/test-stack';

const ROOT = path.resolve(__dirname, '..', '..');
let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack('e2e-health', {
    pipeline: false, // nothing consumes the trace queue: its depth is ours to set
    schedules: false,
    demo: false,
  });
  const res = await fetch(`${stack.url}/admin/ips`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'text/csv' },
    body: 'host,port,country,provider\n127.0.0.1,4001,us,local\n127.0.0.1,4002,us,local\n',
  });
  expect((await res.json()).accepted).toBe(2);
}, STACK_START_MS);
afterAll(() => stack?.stop());

/** Async on purpose: the local stack serves from this very process. */
function health(url = stack.url, ...args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'bin/tracepool.cjs'), '--url', url, 'health', ...args],
      { env: { ...process.env, TRACEPOOL_ADMIN_TOKEN: stack.adminToken }, encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => resolve({ status: error ? ((error as { code?: number }).code ?? null) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

test('exit codes follow the pool health', async () => {
  const healthy = await health();
  expect(healthy.out).toMatch(/HEALTHY/);
  expect(healthy.status).toBe(0);

  // A backlog on the trace queue: degraded, with a recommendation.
  for (let i = 0; i < 3; i++) {
    await stack.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: stack.queues.queues.TraceRequests,
        Entries: Array.from({ length: 10 }, (_, j) => ({ Id: `m${j}`, MessageBody: '{}' })),
      }),
    );
  }
  const degraded = await health();
  expect(degraded.out).toMatch(/DEGRADED/);
  expect(degraded.status).toBe(1);

  // No healthy IP left: critical.
  const ips = await stack.doc.send(new ScanCommand({ TableName: stack.tables.IpPool }));
  for (const ip of ips.Items ?? []) {
    await stack.doc.send(
      new UpdateCommand({
        TableName: stack.tables.IpPool,
        Key: { ipId: ip.ipId },
        UpdateExpression: 'SET healthy = :f REMOVE availableAt',
        ExpressionAttributeValues: { ':f': false },
      }),
    );
  }
  const critical = await health();
  expect(critical.out).toMatch(/CRITICAL/);
  expect(critical.status).toBe(2);

  const unreachable = await health('http://127.0.0.1:9');
  expect(unreachable.status).toBe(2);
});

test('health --history shows the snapshots the scheduled health check wrote', async () => {
  await stack.runSchedule('HealthCheck');
  await stack.runSchedule('HealthCheck');
  const json = await health(stack.url, '--history', '--from', '1h', '--json');
  expect(json.status).toBe(0);
  const body = JSON.parse(json.out) as { points: { total: number; unhealthy: number }[]; summary: { snapshots: number } };
  expect(body.summary.snapshots).toBeGreaterThanOrEqual(1);
  expect(body.points.at(-1)).toMatchObject({ total: 2 });
  const text = await health(stack.url, '--history');
  expect(text.status).toBe(0);
  expect(text.out).toMatch(/^Utilization {2}/m);
  expect(text.out).toMatch(/TIME \(UTC\)\s+UTIL %/);
  const bad = await health(stack.url, '--history', '--from', '30d');
  expect(bad.status).toBe(1);
  expect(bad.out).toMatch(/at most 7 days/);
});
