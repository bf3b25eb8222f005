/** Offers in the Catalog table: pk `offer#<offerId>`, sk `offer`. The key and item shapes; no AWS client here. */
import type { Offer } from './offer-schema';

export interface OfferStore {
  get(offerId: string): Promise<Offer | undefined>;
}

export const offerKey = (offerId: string) => ({ pk: `offer#${offerId}`, sk: 'offer' });

export function toOffer(item: Record<string, unknown>): Offer {
  // learnedMode, learnedAt, httpResolved, browserResolved: the tracer's memory once lived on the
  // offer item (now the TracerMemory table); items not rewritten since still carry the stale values.
  const { pk: _pk, sk: _sk, type: _type, learnedMode: _m, learnedAt: _a, httpResolved: _h, browserResolved: _b, ...rest } = item;
  return rest as unknown as Offer;
}

/**
 * The offer as the click, the pipeline and the webhooks see it: a soft-deleted one is no offer at
 * all, so each answers it exactly as an id that never existed (and the offer cache remembers it so).
 */
export function liveOffer(item: Record<string, unknown> | undefined): Offer | undefined {
  if (!item || item.deletedAt !== undefined) return undefined;
  return toOffer(item);
}
