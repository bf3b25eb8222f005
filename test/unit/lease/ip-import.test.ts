import fc from 'fast-check';
import { csvLine, parseCsv } from '../../../lambdas/lease/csv';
import { importFormat, importIps, jsonRecordLines, parseIpCsv, parseIpJson, type IpImportStore } from '../../../lambdas/lease/ip-import';
import type { IpItem } from '../../../lambdas/lease/ip-item';
import { checkIpRecord, COUNTRY_CODE_COUNT, deriveIpId, normalizeCountry } from '../../../lambdas/lease/ip-records';
import { LeaseConfigError } from '../../../lambdas/lease/errors';

const config = { providers: ['luna', 'brightdata'] };

describe('CSV reader', () => {
  test('quoted fields with commas, doubled quotes and line breaks; rows keep their start line', () => {
    const text = 'a,b,c\r\n"x, y","say ""hi""",z\n\n"multi\nline",2,3\n# comment, "with quotes\n  last ,  row  ,"  q  "\n';
    expect(parseCsv(text)).toEqual({
      rows: [
        { line: 1, fields: ['a', 'b', 'c'] },
        { line: 2, fields: ['x, y', 'say "hi"', 'z'] },
        { line: 4, fields: ['multi\nline', '2', '3'] },
        { line: 7, fields: ['last', 'row', '  q  '] },
      ],
      errors: [],
    });
  });

  test('malformed rows are reported by line and the rest is still read', () => {
    const text = 'a,b\n"open,1\n';
    expect(parseCsv(text).errors).toEqual([{ line: 2, reason: 'unterminated quoted field' }]);
    const mixed = 'a,b\n"x"y,1\nok,2\nbad"quote,3\nfine,4';
    const parsed = parseCsv(mixed);
    expect(parsed.rows.map((r) => r.line)).toEqual([1, 3, 5]);
    expect(parsed.errors.map((e) => e.line)).toEqual([2, 4]);
  });

  test('a byte-order mark and a missing final newline are fine', () => {
    expect(parseCsv('\uFEFFhost,port').rows).toEqual([{ line: 1, fields: ['host', 'port'] }]);
  });

  test('property: any table written with csvLine reads back identically', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r\n', ' ', 'é'), maxLength: 8 });
    const row = fc.array(field, { minLength: 2, maxLength: 5 });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 6 }), (rows) => {
        // Skip rows the reader treats as blank or comments by design.
        const kept = rows.filter((r) => r.some((v) => v.trim() !== '') && !r[0]!.startsWith('#'));
        const text = kept.map(csvLine).join('\n');
        const parsed = parseCsv(text);
        expect(parsed.errors).toEqual([]);
        expect(parsed.rows.map((r) => r.fields)).toEqual(kept);
      }),
    );
  });
});

describe('IP record validation', () => {
  const good = { host: '185.199.228.1', port: 7000, country: 'US', provider: 'Luna' };
  test('normalises and derives a deterministic ipId', () => {
    const check = checkIpRecord(good, config);
    expect(check).toEqual({
      ok: true,
      record: { ipId: deriveIpId('luna', '185.199.228.1', 7000), host: '185.199.228.1', port: 7000, country: 'us', provider: 'luna', enabled: true },
    });
    expect(checkIpRecord({ ...good, port: '7000' }, config)).toEqual(check);
    expect(deriveIpId('luna', '185.199.228.1', 7000)).toMatch(/^luna-[0-9a-f]{16}$/);
  });

  test.each([
    [{ port: 0 }, 'port 0 is out of range 1-65535'],
    [{ port: 65536 }, 'port 65536 is out of range 1-65535'],
    [{ port: '80a' }, "port '80a' is not an integer"],
    [{ port: 7.5 }, "port '7.5' is not an integer"],
    [{ port: undefined }, 'port is required'],
    [{ country: 'usa' }, "country 'usa' is not an ISO 3166-1 alpha-2 code"],
    [{ country: 'zz' }, "country 'zz' is not an ISO 3166-1 alpha-2 code"],
    [{ country: '' }, 'country is required'],
    [{ provider: 'oxylabs' }, "unknown provider 'oxylabs' (known: luna, brightdata)"],
    [{ host: 'http://1.2.3.4' }, "host 'http://1.2.3.4' must be a bare host name or address, not a URL"],
    [{ host: '1.2.3.4:80' }, "host '1.2.3.4:80' must not include a port (use the port field)"],
    [{ host: '300.1.1.1' }, "host '300.1.1.1' is not a valid IPv4 address"],
    [{ host: 'bad_host!' }, "host 'bad_host!' is not a valid host name or IP address"],
    [{ host: '' }, 'host is empty'],
    [{ extra: 1 }, 'unknown field(s): extra'],
    [{ enabled: 'yes' }, "enabled must be true or false, got 'yes'"],
    [{ ipId: 'has space' }, "ipId 'has space' is invalid (1-128 of A-Z a-z 0-9 . _ : @ -, starting alphanumeric)"],
  ])('%j is rejected', (patch, reason) => {
    expect(checkIpRecord({ ...good, ...patch }, config)).toEqual({ ok: false, reason });
  });

  test('hosts: names, IPv6 (bracketed or not); countries: 249 codes and the uk alias', () => {
    expect(checkIpRecord({ ...good, host: 'Luna-US-1.Proxy.example.' }, config)).toMatchObject({ record: { host: 'luna-us-1.proxy.example' } });
    expect(checkIpRecord({ ...good, host: '[2001:db8::1]' }, config)).toMatchObject({ record: { host: '2001:db8::1' } });
    expect(COUNTRY_CODE_COUNT).toBe(249);
    expect(normalizeCountry(' GB ')).toBe('gb');
    expect(normalizeCountry('uk')).toBe('gb');
    expect(normalizeCountry('eu')).toBeUndefined();
  });

  test('the provider list is required configuration', () => {
    expect(() => parseIpCsv('host,port,country,provider\n', { providers: [] })).toThrow(LeaseConfigError);
  });
});

describe('CSV import', () => {
  test('keeps good lines, rejects bad ones with their line numbers, skips blank lines', () => {
    const csv = [
      'Host,Port,Country,Provider,ipId', // 1
      '185.199.228.1,7000,us,luna,', // 2
      '', // 3
      '185.199.228.2,70000,us,luna,', // 4 bad port
      '"185.199.228.3",7000,"GB",luna,custom-3', // 5
      '185.199.228.4,7000,xx,luna,', // 6 bad country
      '185.199.228.5,7000,us,oxylabs,', // 7 unknown provider
      '185.199.228.6,7000,us', // 8 too few fields
      '"unterminated,7000,us,luna,', // 9 .. EOF
    ].join('\n');
    const { accepted, rejected } = parseIpCsv(csv, config);
    expect(accepted.map((r) => r.ipId)).toEqual([deriveIpId('luna', '185.199.228.1', 7000), 'custom-3']);
    expect(accepted[1]).toMatchObject({ country: 'gb', host: '185.199.228.3' });
    expect(rejected).toEqual([
      { line: 4, index: 1, reason: 'port 70000 is out of range 1-65535' },
      { line: 6, index: 3, reason: "country 'xx' is not an ISO 3166-1 alpha-2 code" },
      { line: 7, index: 4, reason: "unknown provider 'oxylabs' (known: luna, brightdata)" },
      { line: 8, index: 5, reason: 'expected 5 fields, got 3' },
      { line: 9, index: 6, reason: 'unterminated quoted field' },
    ]);
  });

  test('a repeated endpoint is rejected as a duplicate of the first line', () => {
    const csv = 'host,port,country,provider\n1.1.1.1,80,us,luna\n1.1.1.1,80,de,luna\n';
    expect(parseIpCsv(csv, config).rejected).toEqual([{ line: 3, index: 1, reason: `duplicate of line 2 (same ipId ${deriveIpId('luna', '1.1.1.1', 80)})` }]);
  });

  test('a bad header rejects the file at the header line', () => {
    expect(parseIpCsv('\n# list\nhost,port,country\n1.1.1.1,80,us\n', config)).toEqual({
      accepted: [],
      rejected: [{ line: 3, reason: 'bad header (expected host,port,country,provider,ipId,enabled): missing column(s): provider' }],
    });
    expect(parseIpCsv('host,port,country,provider,colour\n', config).rejected[0]?.reason).toMatch(/unknown column 'colour'/);
    expect(parseIpCsv('', config).rejected).toEqual([{ line: 1, reason: 'no header row' }]);
  });
});

describe('JSON import', () => {
  test('array or { ips }: records are located by the line they start on', () => {
    const json = `{
  "ips": [
    { "host": "1.1.1.1", "port": 80, "country": "us", "provider": "luna" },
    {
      "host": "1.1.1.2",
      "port": "x", "country": "us", "provider": "luna"
    },
    { "host": "1.1.1.3", "port": 80, "country": "us", "provider": "luna", "note": "a [tricky] \\" string," }
  ]
}`;
    expect(jsonRecordLines(json)).toEqual([3, 4, 8]);
    const { accepted, rejected } = parseIpJson(json, config);
    expect(accepted.map((r) => r.host)).toEqual(['1.1.1.1']);
    expect(rejected).toEqual([
      { line: 4, index: 1, reason: "port 'x' is not an integer" },
      { line: 8, index: 2, reason: 'unknown field(s): note' },
    ]);
    expect(jsonRecordLines('[{"a":[1,2]},\n{"b":{"ips":[3]}}]')).toEqual([1, 2]);
  });

  test('invalid JSON and wrong shapes are file-level rejections', () => {
    expect(parseIpJson('[\n{"host": }\n]', config).rejected[0]).toMatchObject({ reason: "invalid JSON: Unexpected token '}'" });
    expect(parseIpJson('{"list": []}', config).rejected).toEqual([{ line: 1, reason: 'expected a JSON array of records or { "ips": [...] }' }]);
    expect(parseIpJson('[7]', config).rejected).toEqual([{ line: 1, index: 0, reason: 'record must be an object' }]);
  });

  test('format comes from the content type, else from the first character', () => {
    expect(importFormat('text/csv; charset=utf-8', '[')).toBe('csv');
    expect(importFormat('application/json', 'host')).toBe('json');
    expect(importFormat(undefined, '  [ ]')).toBe('json');
    expect(importFormat(undefined, 'host,port')).toBe('csv');
  });
});

describe('importIps (in-memory store)', () => {
  type Item = { -readonly [K in keyof IpItem]?: IpItem[K] } & { ipId: string };
  function memoryStore() {
    const items = new Map<string, Item>();
    const countries = new Set<string>();
    const store: IpImportStore = {
      async registerCountries(c) {
        c.forEach((x) => countries.add(x));
      },
      async create(item) {
        if (items.has(item.ipId)) return false;
        items.set(item.ipId, { ...item });
        return true;
      },
      async updateOperatorFields(r, now) {
        const item = items.get(r.ipId);
        if (!item) return undefined;
        Object.assign(item, { host: r.host, port: r.port, provider: r.provider, country: r.country, enabled: r.enabled, updatedAt: now });
        return { ...item };
      },
      async unlist(ipId, now) {
        const item = items.get(ipId);
        if (item && item.enabled === false && (item.leaseOwner === undefined || (item.availableAt ?? 0) <= now)) delete item.availableAt;
      },
      async relist(ipId, now) {
        const item = items.get(ipId);
        if (item && item.enabled && item.healthy && item.availableAt === undefined) item.availableAt = now;
      },
    };
    return { store, items, countries };
  }
  const record = (ipId: string, enabled = true) => ({ ipId, host: '10.0.0.1', port: 8080, country: 'de', provider: 'luna', enabled });

  test('new IPs start healthy and free now; existing ones keep their lease state; the index follows enable/disable', async () => {
    const { store, items, countries } = memoryStore();
    expect(await importIps(store, [record('a'), record('b', false)], 1000)).toEqual({ upserted: 2, created: 2, updated: 0 });
    expect(countries).toEqual(new Set(['de']));
    expect(items.get('a')).toMatchObject({ healthy: true, availableAt: 1000, fence: 0 });
    expect(items.get('b')?.availableAt).toBeUndefined();

    Object.assign(items.get('a')!, { leaseOwner: 't1', availableAt: 9000, fence: 3 });
    expect(await importIps(store, [record('a', false), record('b')], 2000)).toEqual({ upserted: 2, created: 0, updated: 2 });
    expect(items.get('a')).toMatchObject({ enabled: false, availableAt: 9000, fence: 3, leaseOwner: 't1' }); // a live lease is not cut short
    expect(items.get('b')).toMatchObject({ enabled: true, availableAt: 2000 });
    expect(await importIps(store, [], 3000)).toEqual({ upserted: 0, created: 0, updated: 0 });
  });
});
