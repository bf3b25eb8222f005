/**
 * The instant click: look the offer up, answer with its redirect at once, and hand a trace
 * request to the durable sink. The destination only ever comes from the offer record.
 */
import type { OfferStore } from '../offers/offer-item';
import { isValidOfferId } from '../offers/offer-id';
import type { SubmitOutcome, TraceRequestSink } from '../adapters/trace-sink';
import type { TraceRequest } from '../trace-requests/trace-request';
import { buildRedirectUrl } from './redirect-url';
import { selectPassthrough, type DroppedParam } from './click-params';
import { isAutomatedClick } from './click-context';

export interface ClickInput {
  readonly offerId: string | undefined;
  readonly method: string;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly userAgent: string | undefined;
  /** The clicker's country (viewer-country header, else IP geo), lower case; asked only for `auto` offers. */
  readonly clickCountry: () => string | undefined | Promise<string | undefined>;
}

export interface ClickDeps {
  readonly offers: OfferStore;
  readonly sink: TraceRequestSink;
  readonly clock: () => number;
  readonly newTraceId: () => string;
}

export type TraceDecision = SubmitOutcome | 'skipped_bot' | 'skipped_policy';

export type ClickOutcome =
  | {
      readonly kind: 'redirect';
      readonly location: string;
      readonly offerId: string;
      readonly traceId?: string;
      readonly trace: TraceDecision;
      readonly dropped: DroppedParam[];
    }
  | { readonly kind: 'unknown_offer'; readonly reason: 'invalid_id' | 'not_found' };

export async function handleClick(deps: ClickDeps, input: ClickInput): Promise<ClickOutcome> {
  if (!isValidOfferId(input.offerId)) return { kind: 'unknown_offer', reason: 'invalid_id' };
  const offer = await deps.offers.get(input.offerId);
  if (!offer) return { kind: 'unknown_offer', reason: 'not_found' };

  const { params, dropped } = selectPassthrough(input.query, offer.passthrough);
  const location = buildRedirectUrl(offer.redirectUrl, params);
  const base = { kind: 'redirect' as const, location, offerId: offer.offerId, dropped };

  if (isAutomatedClick(input.method, input.userAgent)) return { ...base, trace: 'skipped_bot' };
  if (!offer.tracePolicy.enabled) return { ...base, trace: 'skipped_policy' };

  const now = deps.clock();
  const request: TraceRequest = {
    v: 1,
    traceId: deps.newTraceId(),
    offerId: offer.offerId,
    source: 'click',
    params,
    clickedAt: now,
    country: offer.country === 'auto' ? ((await input.clickCountry()) ?? 'any') : offer.country,
    // Traces emulate the device the offer is configured for (its landing pages differ by device).
    device: offer.device,
    attempt: 1,
  };
  const trace = await deps.sink.submit(request);
  return { ...base, traceId: request.traceId, trace };
}
