import type { AdminClient } from '../../../bin/commands/admin-client';
import { importIps } from '../../../bin/commands/ips';
import { importFormat, parseIpImport } from '../../../lambdas/lease/ip-import';

// The admin API is our own interface (not an SDK): a fake server built on the real parser.
function fakeAdmin(): AdminClient & { bodies: number } {
  let bodies = 0;
  return {
    baseUrl: 'fake',
    get bodies() {
      return bodies;
    },
    async request<T>(_method: string, _path: string, body?: unknown, contentType?: string) {
      bodies++;
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const { accepted, rejected } = parseIpImport(text, importFormat(contentType, text), { providers: ['luna'] });
      return { status: 200, body: { accepted: accepted.length, upserted: accepted.length, created: accepted.length, updated: 0, rejected } as T };
    },
  } as AdminClient & { bodies: number };
}

test('a big CSV goes in chunks and rejections carry the lines of the original file', async () => {
  const lines = ['host,port,country,provider'];
  for (let i = 1; i <= 450; i++) lines.push(i % 100 === 0 ? `10.0.${i >> 8}.${i & 255},0,us,luna` : `10.0.${i >> 8}.${i & 255},7000,us,luna`);
  lines.splice(201, 0, '', '"multi', 'line",1,us,luna'); // a blank line and a two-line record at line 202
  const admin = fakeAdmin();
  const result = await importIps(admin, lines.join('\n') + '\n', 'ips.csv');
  expect(admin.bodies).toBe(3);
  expect(result.accepted).toBe(446);
  const bad = (n: number) => (n <= 200 ? n + 1 : n + 4); // header, then the three inserted lines
  expect(result.rejected).toEqual([
    { line: bad(100), reason: 'port 0 is out of range 1-65535' },
    { line: bad(200), reason: 'port 0 is out of range 1-65535' },
    { line: 203, reason: "host 'multi\nline' is not a valid host name or IP address" },
    { line: bad(300), reason: 'port 0 is out of range 1-65535' },
    { line: bad(400), reason: 'port 0 is out of range 1-65535' },
  ]);
});

test('JSON records map back to their lines; a bad header is reported once at its line', async () => {
  const json =
    '[\n' +
    Array.from({ length: 250 }, (_, i) => JSON.stringify({ host: `10.1.0.${i % 250}`, port: i === 240 ? 'x' : 80, country: 'us', provider: 'luna' })).join(',\n') +
    '\n]';
  const result = await importIps(fakeAdmin(), json, 'ips.json');
  expect(result.rejected).toEqual([{ line: 242, reason: "port 'x' is not an integer" }]);
  const csv = await importIps(fakeAdmin(), '# ips\nhost,port,country\n' + '1.1.1.1,80,us\n'.repeat(300), 'ips.csv');
  expect(csv.rejected).toEqual([{ line: 2, reason: expect.stringMatching(/^bad header/) }]);
});
