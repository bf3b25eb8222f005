// The offer form: what it refuses before sending, and the PUT body, which keeps what the form does not show.
import { emptyOfferForm, offerBody, offerFormErrors, offerFormOf, OFFER_ID_PATTERN } from '../../../console/src/offer-form';
import { OFFER_ID_PATTERN as SERVER_OFFER_ID } from '../../../lambdas/offers/offer-id';
import type { Offer } from '../../../console/src/types';

const stored: Offer = {
  offerId: 'summer',
  name: 'Summer sale',
  redirectUrl: 'https://shop.example/landing',
  trackingUrl: 'https://aff.example/click?o=1',
  country: 'de',
  device: 'mobile',
  passthrough: ['gclid', 'sub_*'],
  tracePolicy: { mode: 'http', anyCountry: true, enabled: true, maxTracesPerMinute: 5 },
  trackier: { legacyRoutes: true },
  createdAt: 1,
  updatedAt: 2,
};

it('checks the id as the API does', () => {
  expect(OFFER_ID_PATTERN.source).toBe(SERVER_OFFER_ID.source);
});

it('refuses a bad id, a missing or non-web URL and a bad country, by field', () => {
  const errors = offerFormErrors({ ...emptyOfferForm(), offerId: '-x', redirectUrl: 'ftp://x', trackingUrl: 'https://user:pw@x.example/', country: 'USA' });
  expect(Object.keys(errors).sort()).toEqual(['country', 'offerId', 'redirectUrl', 'trackingUrl']);
  expect(offerFormErrors({ ...emptyOfferForm(), offerId: 'ok.1', redirectUrl: 'https://shop.example/', country: 'US' })).toEqual({});
});

it('sends a new offer with only what was filled in', () => {
  const body = offerBody({ ...emptyOfferForm(), offerId: 'n', redirectUrl: ' https://shop.example/ ', country: 'US' });
  expect(body).toEqual({ redirectUrl: 'https://shop.example/', country: 'us', device: 'desktop', tracePolicy: { mode: 'auto', enabled: true } });
});

it('edits an offer without losing its passthrough, budget, any-country and Trackier settings', () => {
  const form = { ...offerFormOf(stored), mode: 'browser' as const, tracingEnabled: false };
  expect(offerBody(form, stored)).toEqual({
    name: 'Summer sale',
    redirectUrl: stored.redirectUrl,
    trackingUrl: stored.trackingUrl,
    country: 'de',
    device: 'mobile',
    passthrough: ['gclid', 'sub_*'],
    tracePolicy: { mode: 'browser', anyCountry: true, enabled: false, maxTracesPerMinute: 5 },
    trackier: { legacyRoutes: true },
  });
});

it('shows a defaulted name and tracking URL as empty fields', () => {
  const form = offerFormOf({ ...stored, name: 'summer', trackingUrl: stored.redirectUrl });
  expect([form.name, form.trackingUrl]).toEqual(['', '']);
});
