/**
 * The offer form's model: what the operator typed, checked before it is sent, and the PUT body.
 * A PUT replaces the offer, so an edit starts from the offer as stored and changes only the form's
 * fields: its passthrough list, budget, any-country and Trackier settings are sent back unchanged.
 */
import type { Offer } from './types';

export interface OfferFormValues {
  offerId: string;
  name: string;
  redirectUrl: string;
  trackingUrl: string;
  /** Two letters, or `auto` (the clicker's). */
  country: string;
  device: 'desktop' | 'mobile';
  mode: 'auto' | 'http' | 'browser';
  tracingEnabled: boolean;
}

export const OFFER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const emptyOfferForm = (): OfferFormValues => ({
  offerId: '',
  name: '',
  redirectUrl: '',
  trackingUrl: '',
  country: 'auto',
  device: 'desktop',
  mode: 'auto',
  tracingEnabled: true,
});

/** The form filled from a stored offer (an empty tracking URL when it is the redirect URL). */
export function offerFormOf(offer: Offer): OfferFormValues {
  return {
    offerId: offer.offerId,
    name: offer.name === offer.offerId ? '' : offer.name,
    redirectUrl: offer.redirectUrl,
    trackingUrl: offer.trackingUrl === offer.redirectUrl ? '' : offer.trackingUrl,
    country: offer.country,
    device: offer.device,
    mode: offer.tracePolicy.mode,
    tracingEnabled: offer.tracePolicy.enabled,
  };
}

const isWebUrl = (value: string): boolean => {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password;
  } catch {
    return false;
  }
};

/** What is wrong with the form, by field (empty when it may be sent). The API checks again. */
export function offerFormErrors(values: OfferFormValues): Partial<Record<keyof OfferFormValues, string>> {
  const errors: Partial<Record<keyof OfferFormValues, string>> = {};
  if (!OFFER_ID_PATTERN.test(values.offerId.trim())) errors.offerId = 'Use 1–64 letters, digits, dot, dash or underscore, starting with a letter or digit.';
  if (!isWebUrl(values.redirectUrl.trim())) errors.redirectUrl = 'Enter an absolute http(s) URL.';
  if (values.trackingUrl.trim() && !isWebUrl(values.trackingUrl.trim())) errors.trackingUrl = 'Enter an absolute http(s) URL, or leave it empty to trace the redirect URL.';
  if (!/^([A-Za-z]{2}|auto)$/.test(values.country.trim())) errors.country = 'Enter a two-letter country code (US, DE…) or auto.';
  return errors;
}

/** The PUT /admin/offers/{id} body: the form's fields over the stored offer's others. */
export function offerBody(values: OfferFormValues, stored?: Offer): Record<string, unknown> {
  const name = values.name.trim();
  const trackingUrl = values.trackingUrl.trim();
  return {
    ...(name ? { name } : {}),
    redirectUrl: values.redirectUrl.trim(),
    ...(trackingUrl ? { trackingUrl } : {}),
    country: values.country.trim().toLowerCase(),
    device: values.device,
    ...(stored ? { passthrough: stored.passthrough } : {}),
    tracePolicy: { ...(stored?.tracePolicy ?? {}), mode: values.mode, enabled: values.tracingEnabled },
    ...(stored?.trackier ? { trackier: stored.trackier } : {}),
  };
}
