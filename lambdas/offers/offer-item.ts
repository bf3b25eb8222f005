/** Offers in the Catalog table: pk `offer#<offerId>`, sk `offer`. The key and item shapes; no AWS client here. */
import type { Offer } from './offer-schema';

export interface OfferStore {
  get(offerId: string): Promise<Offer | undefined>;
}

export const offerKey = (offerId: string) => ({ pk: `offer#${offerId}`, sk: 'offer' });

export function toOffer(item: Record<string, unknown>): Offer {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return rest as unknown as Offer;
}
