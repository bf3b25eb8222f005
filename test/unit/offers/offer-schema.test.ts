import { validateOffer, traceVersionOf, DEFAULT_PASSTHROUGH, type Offer } from '../../../lambdas/offers/offer-schema';

describe('validateOffer', () => {
  it('fills the documented defaults', () => {
    const v = validateOffer('o1', { redirectUrl: 'https://shop.example/' });
    expect(v).toEqual({
      ok: true,
      offer: {
        offerId: 'o1',
        name: 'o1',
        redirectUrl: 'https://shop.example/',
        trackingUrl: 'https://shop.example/',
        country: 'auto',
        device: 'desktop',
        passthrough: [...DEFAULT_PASSTHROUGH],
        tracePolicy: { mode: 'auto', anyCountry: false, enabled: true },
      },
    });
  });

  it('normalises the country code', () => {
    const v = validateOffer('o1', { redirectUrl: 'https://shop.example/', country: 'US' });
    expect(v.ok && v.offer.country).toBe('us');
  });

  it.each([
    ['unknown fields', { redirectUrl: 'https://a.example/', colour: 'red' }, 'colour'],
    ['a javascript: URL', { redirectUrl: 'javascript:alert(1)' }, 'redirectUrl'],
    ['a relative URL', { redirectUrl: '/landing' }, 'redirectUrl'],
    ['credentials in the URL', { redirectUrl: 'https://user:pw@a.example/' }, 'redirectUrl'],
    ['a missing redirectUrl', {}, 'redirectUrl'],
    ['a bad country', { redirectUrl: 'https://a.example/', country: 'usa' }, 'country'],
    ['a bad device', { redirectUrl: 'https://a.example/', device: 'tv' }, 'device'],
    ['a bad passthrough name', { redirectUrl: 'https://a.example/', passthrough: ['a b'] }, 'passthrough.0'],
    ['an oversized URL', { redirectUrl: `https://a.example/${'a'.repeat(2100)}` }, 'redirectUrl'],
    ['a trace budget of zero', { redirectUrl: 'https://a.example/', tracePolicy: { maxTracesPerMinute: 0 } }, 'tracePolicy.maxTracesPerMinute'],
    ['a fractional trace budget', { redirectUrl: 'https://a.example/', tracePolicy: { maxTracesPerMinute: 1.5 } }, 'tracePolicy.maxTracesPerMinute'],
  ])('rejects %s', (_label, input, path) => {
    const v = validateOffer('o1', input);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.issues.map((i) => i.path)).toContain(path);
  });

  it('rejects a bad offer id', () => {
    expect(validateOffer('bad id', { redirectUrl: 'https://a.example/' })).toMatchObject({ ok: false });
  });

  it("takes an offer's own trace budget (60 a minute when absent)", () => {
    const v = validateOffer('o1', { redirectUrl: 'https://a.example/', tracePolicy: { maxTracesPerMinute: 5 } });
    expect(v.ok && v.offer.tracePolicy).toEqual({ mode: 'auto', anyCountry: false, enabled: true, maxTracesPerMinute: 5 });
  });
});

describe('traceVersionOf', () => {
  const base = (input: Record<string, unknown> = {}) => {
    const v = validateOffer('o1', { redirectUrl: 'https://shop.example/', trackingUrl: 'https://aff.example/c?o=1', ...input });
    if (!v.ok) throw new Error('invalid');
    return v.offer as Offer;
  };

  it('stays the same for edits that do not change what a trace does', () => {
    const version = traceVersionOf(base());
    expect(Number.isSafeInteger(version)).toBe(true);
    expect(traceVersionOf(base({ name: 'renamed', redirectUrl: 'https://shop.example/new', passthrough: ['gclid'] }))).toBe(version);
    expect(traceVersionOf(base({ tracePolicy: { maxTracesPerMinute: 5, anyCountry: true } }))).toBe(version);
  });

  it.each([
    ['tracking URL', { trackingUrl: 'https://aff.example/c?o=2' }],
    ['device', { device: 'mobile' }],
    ['country', { country: 'de' }],
    ['trace mode', { tracePolicy: { mode: 'browser' } }],
  ])('changes with the %s', (_label, input) => {
    expect(traceVersionOf(base(input))).not.toBe(traceVersionOf(base()));
  });
});
