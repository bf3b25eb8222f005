/** Offer ids: 1–64 letters, digits, dot, dash or underscore. Zod-free, so the click bundle stays small. */
export const OFFER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function isValidOfferId(offerId: string | undefined): offerId is string {
  return !!offerId && OFFER_ID_PATTERN.test(offerId);
}
