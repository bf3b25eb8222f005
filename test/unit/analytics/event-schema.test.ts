import { LIMITS, parseEvent, parseQueuedEvent, type InvalidReason } from '../../../lambdas/analytics/event-schema';

const NOW = Date.UTC(2026, 10, 23, 12, 0);
const valid = {
  ad_unit_id: '3f2b8c1e-9d4a-4c7b-8e2f-1a2b3c4d5e6f',
  campaign_id: '018f3a2b-7c4d-7e8f-9a0b-1c2d3e4f5a6b',
  creative_id: 'A1B2C3D4-E5F6-4789-8ABC-DEF012345678',
  page_url: 'https://publisher.example/path?q=1#top',
};
const parse = (params: Record<string, string | undefined>, type: string | undefined = 'impression') =>
  parseEvent({ type, params, clientIp: ' 8.8.8.8 ', userAgent: 'UA', receivedAt: NOW });

describe('valid events', () => {
  test('ids are lower-cased, timestamp defaults to the arrival time, extras are ignored', () => {
    const r = parse({ ...valid, cb: '123', strict: '1' });
    expect(r).toEqual({
      ok: true,
      event: {
        type: 'impression',
        adUnitId: valid.ad_unit_id,
        campaignId: valid.campaign_id,
        creativeId: valid.creative_id.toLowerCase(),
        pageUrl: valid.page_url,
        timestamp: NOW,
        receivedAt: NOW,
        clientIp: '8.8.8.8',
        userAgent: 'UA',
      },
    });
  });

  test.each([
    ['click', 'click'],
    ['CLICK', 'click'],
    ['impression', 'impression'],
  ])('type %s', (type, want) => {
    const r = parse(valid, type);
    expect(r.ok && r.event.type).toBe(want);
  });

  test.each([
    ['now', NOW],
    ['7 days ago', NOW - LIMITS.maxPastMs],
    ['5 minutes ahead', NOW + LIMITS.maxFutureMs],
  ])('timestamp %s is accepted', (_label, ts) => {
    const r = parse({ ...valid, timestamp: String(ts) });
    expect(r.ok && [r.event.timestamp, r.event.clientTimestamp]).toEqual([ts, ts]);
  });

  test.each(['http://a.example', 'https://a.example:8443/x', 'HTTPS://EXAMPLE.COM/Path', 'https://xn--bcher-kva.example/'])('page_url %s', (url) =>
    expect(parse({ ...valid, page_url: url }).ok).toBe(true),
  );

  test('an oversized user agent is cut, not refused', () => {
    const r = parseEvent({ type: 'click', params: valid, userAgent: 'x'.repeat(5000), receivedAt: NOW });
    expect(r.ok && r.event.userAgent?.length).toBe(LIMITS.userAgentMaxLength);
  });
});

describe('invalid events → a fixed reason', () => {
  const cases: [string, Record<string, string | undefined>, InvalidReason, string?][] = [
    ['unknown type', valid, 'unknown_type', 'conversion'],
    ['no type', valid, 'unknown_type', ''],
    ['missing ad_unit_id', { ...valid, ad_unit_id: undefined }, 'missing_field'],
    ['blank campaign_id', { ...valid, campaign_id: '  ' }, 'missing_field'],
    ['missing creative_id', { ...valid, creative_id: undefined }, 'missing_field'],
    ['missing page_url', { ...valid, page_url: undefined }, 'missing_field'],
    ['numeric id (seed example)', { ...valid, ad_unit_id: '123' }, 'invalid_id'],
    ['uuid without dashes', { ...valid, campaign_id: '018f3a2b7c4d7e8f9a0b1c2d3e4f5a6b' }, 'invalid_id'],
    ['uuid with a non-hex char', { ...valid, campaign_id: '018f3a2b-7c4d-7e8f-9a0b-1c2d3e4f5a6g' }, 'invalid_id'],
    ['uuid too short', { ...valid, creative_id: '018f3a2b-7c4d-7e8f-9a0b-1c2d3e4f5a6' }, 'invalid_id'],
    ['two ids joined (repeated param)', { ...valid, ad_unit_id: `${valid.ad_unit_id},${valid.ad_unit_id}` }, 'invalid_id'],
    ['uuid in braces', { ...valid, ad_unit_id: `{${valid.ad_unit_id}}` }, 'invalid_id'],
    ['huge id', { ...valid, ad_unit_id: 'a'.repeat(10_000) }, 'value_too_long'],
    ['javascript: url', { ...valid, page_url: 'javascript:alert(1)' }, 'invalid_page_url'],
    ['ftp url', { ...valid, page_url: 'ftp://files.example/x' }, 'invalid_page_url'],
    ['relative url', { ...valid, page_url: '/article/1' }, 'invalid_page_url'],
    ['no host', { ...valid, page_url: 'https://' }, 'invalid_page_url'],
    ['data url', { ...valid, page_url: 'data:text/html,hi' }, 'invalid_page_url'],
    ['oversized url', { ...valid, page_url: `https://a.example/${'p'.repeat(LIMITS.pageUrlMaxLength)}` }, 'value_too_long'],
    ['timestamp not a number', { ...valid, timestamp: 'yesterday' }, 'invalid_timestamp'],
    ['negative timestamp', { ...valid, timestamp: '-1' }, 'invalid_timestamp'],
    ['fractional timestamp', { ...valid, timestamp: '1763899200000.5' }, 'invalid_timestamp'],
    ['timestamp in seconds', { ...valid, timestamp: String(Math.floor(NOW / 1000)) }, 'timestamp_out_of_range'],
    ['timestamp 8 days old', { ...valid, timestamp: String(NOW - LIMITS.maxPastMs - 1) }, 'timestamp_out_of_range'],
    ['timestamp 6 minutes ahead', { ...valid, timestamp: String(NOW + LIMITS.maxFutureMs + 1) }, 'timestamp_out_of_range'],
    ['absurd timestamp', { ...valid, timestamp: '99999999999999999999' }, 'invalid_timestamp'],
  ];
  test.each(cases)('%s', (_label, params, reason, type = 'impression') => {
    expect(parse(params, type)).toEqual({ ok: false, reason });
  });

  test('the first field in order decides when several are wrong', () => {
    expect(parse({ page_url: 'nope', ad_unit_id: 'x' })).toEqual({ ok: false, reason: 'invalid_id' });
  });
});

describe('queue message', () => {
  const message = {
    v: 1,
    eventId: '019a8b7c-1d2e-7f30-8a4b-5c6d7e8f9a0b',
    type: 'click',
    adUnitId: valid.ad_unit_id,
    campaignId: valid.campaign_id,
    creativeId: valid.creative_id,
    pageUrl: valid.page_url,
    timestamp: NOW,
    receivedAt: NOW,
  };
  test('round-trips', () => {
    expect(parseQueuedEvent(JSON.stringify(message))).toEqual({ ...message, creativeId: valid.creative_id.toLowerCase() });
  });
  test.each([
    ['not JSON', '{'],
    ['wrong version', JSON.stringify({ ...message, v: 2 })],
    ['bad type', JSON.stringify({ ...message, type: 'view' })],
    ['no eventId', JSON.stringify({ ...message, eventId: undefined })],
    ['string timestamp', JSON.stringify({ ...message, timestamp: String(NOW) })],
  ])('rejects %s', (_label, body) => expect(parseQueuedEvent(body)).toBeUndefined());
});

describe('revenue_cents on clicks', () => {
  test('a non-negative integer up to the cap rides on the click', () => {
    expect(parse({ ...valid, revenue_cents: '1250' }, 'click')).toMatchObject({ ok: true, event: { type: 'click', revenueCents: 1250 } });
    expect(parse({ ...valid, revenue_cents: '0' }, 'click')).toMatchObject({ ok: true, event: { revenueCents: 0 } });
    expect(parse({ ...valid, revenue_cents: String(LIMITS.revenueCentsMax) }, 'click')).toMatchObject({ ok: true, event: { revenueCents: LIMITS.revenueCentsMax } });
  });

  test('absent or blank: no revenue, nothing dropped', () => {
    for (const revenue_cents of [undefined, '', '  ']) {
      const r = parse({ ...valid, revenue_cents }, 'click');
      expect(r.ok && r.event).not.toHaveProperty('revenueCents');
      expect(r).not.toHaveProperty('revenueDropped');
    }
  });

  test.each([
    ['-5', 'revenue_negative'],
    ['12.5', 'revenue_not_integer'],
    ['1e3', 'revenue_not_integer'],
    ['0x10', 'revenue_not_integer'],
    ['ten', 'revenue_not_integer'],
    [String(LIMITS.revenueCentsMax + 1), 'revenue_too_large'],
    ['99999999999999999999999', 'revenue_too_large'],
  ])('%s is dropped (%s) and the click is kept', (revenue_cents, reason) => {
    const r = parse({ ...valid, revenue_cents }, 'click');
    expect(r).toMatchObject({ ok: true, revenueDropped: reason, event: { type: 'click' } });
    expect(r.ok && r.event).not.toHaveProperty('revenueCents');
  });

  test('on an impression it is dropped, the impression kept', () => {
    const r = parse({ ...valid, revenue_cents: '100' }, 'impression');
    expect(r).toMatchObject({ ok: true, revenueDropped: 'revenue_on_impression' });
    expect(r.ok && r.event).not.toHaveProperty('revenueCents');
  });

  test('the queue message schema checks it again', () => {
    const base = {
      v: 1,
      eventId: '019a8b7c-1d2e-7f30-8a4b-5c6d7e8f9a0b',
      type: 'click',
      adUnitId: valid.ad_unit_id,
      campaignId: valid.campaign_id,
      creativeId: valid.ad_unit_id,
      pageUrl: valid.page_url,
      timestamp: NOW,
      receivedAt: NOW,
    };
    expect(parseQueuedEvent(JSON.stringify({ ...base, revenueCents: 99 }))).toMatchObject({ revenueCents: 99 });
    expect(parseQueuedEvent(JSON.stringify({ ...base, revenueCents: -1 }))).toBeUndefined();
    expect(parseQueuedEvent(JSON.stringify({ ...base, revenueCents: 1.5 }))).toBeUndefined();
  });
});
