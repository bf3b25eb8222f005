import { validateOffer, DEFAULT_PASSTHROUGH } from '../../../lambdas/offers/offer-schema';

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
  ])('rejects %s', (_label, input, path) => {
    const v = validateOffer('o1', input);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.issues.map((i) => i.path)).toContain(path);
  });

  it('rejects a bad offer id', () => {
    expect(validateOffer('bad id', { redirectUrl: 'https://a.example/' })).toMatchObject({ ok: false });
  });
});
