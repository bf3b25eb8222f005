/** The IP pool's admin routes on the local stack: import (CSV and JSON), list, reset-health. */
import type { LocalStack } from '../../local/stack';
import { STACK_START_MS, startTestStack } from '../support/test-stack';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack('e2e-ips', {
    pipeline: false,
    schedules: false,
    demo: false,
  });
}, STACK_START_MS);
afterAll(() => stack?.stop());

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${stack.url}${path}`, { ...init, headers: { authorization: `Bearer ${stack.adminToken}`, ...(init.headers ?? {}) } });

test('imports CSV, keeps good lines, reports bad ones with line numbers, and lists the pool', async () => {
  const csv = 'host,port,country,provider\n127.0.0.1,8001,US,local\n127.0.0.1,0,us,local\n127.0.0.2,8002,de,local\n';
  const res = await admin('/admin/ips', { method: 'POST', body: csv, headers: { 'content-type': 'text/csv' } });
  expect(res.status).toBe(200);
  const body = await res.json();
  expect(body).toMatchObject({ accepted: 2, created: 2, rejected: [{ line: 3, reason: expect.stringMatching(/port/) }] });

  const again = await admin('/admin/ips', {
    method: 'POST',
    body: JSON.stringify([{ host: '127.0.0.1', port: 8001, country: 'us', provider: 'local' }]),
    headers: { 'content-type': 'application/json' },
  });
  expect(await again.json()).toMatchObject({ accepted: 1, created: 0, updated: 1 });

  const list = await (await admin('/admin/ips?country=us')).json();
  expect(list.ips).toHaveLength(1);
  expect(list.ips[0]).toMatchObject({ host: '127.0.0.1', port: 8001, country: 'us', state: 'available', healthy: true });
  expect(JSON.stringify(list)).not.toMatch(/password/i);

  const reset = await admin('/admin/ips/reset-health', { method: 'POST', body: JSON.stringify({ ids: ['nope'] }), headers: { 'content-type': 'application/json' } });
  expect(await reset.json()).toEqual({ reset: 0, notFound: ['nope'] });
});

test('answers bad filters and bodies with a clear 400', async () => {
  expect((await admin('/admin/ips?state=sleeping')).status).toBe(400);
  expect((await admin('/admin/ips?country=usa')).status).toBe(400);
  expect((await admin('/admin/ips', { method: 'POST', body: '' })).status).toBe(400);
  const bad = await admin('/admin/ips/reset-health', { method: 'POST', body: '{"ids":"x"}', headers: { 'content-type': 'application/json' } });
  expect(bad.status).toBe(400);
});
