/**
 * The instant click: look the offer up, answer with its redirect, and hand a trace request to the
 * durable sink — all within the click's time budget. The destination only ever comes from the
 * offer record.
 *
 * The budget bounds what the clicker waits for, whatever DynamoDB and SQS do: the offer read gets
 * what is left of it (a known offer is served stale when its refresh is slow or failing), and so
 * does the hand-off; a hand-off still running at the deadline is returned unfinished (`pending`)
 * for the handler to log in full and let finish on its own.
 */
import type { OfferLookup } from '../offers/offer-cache';
import { isValidOfferId } from '../offers/offer-id';
import type { SubmitOutcome, TraceRequestSink } from '../traces/trace-sink';
import type { TraceRequest } from '../traces/trace-request';
import { TIMED_OUT, within } from '../shared/deadline';
import { buildRedirectUrl } from '../shared/redirect-url';
import { selectPassthrough, type DroppedParam } from '../shared/click-params';
import { isAutomatedClick } from './click-context';

/** Kept from the budget for answering: the response itself must leave before the deadline. */
export const RESPONSE_RESERVE_MS = 100;

export interface ClickInput {
  readonly offerId: string | undefined;
  readonly method: string;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly userAgent: string | undefined;
  /** The country the deployment's trusted viewer-country header names, lower case; else undefined. */
  readonly headerCountry: string | undefined;
  /** The clicker's address: for `auto` offers without a trusted country, the starter resolves it. */
  readonly clientIp: string | undefined;
}

export interface ClickOffers {
  /** Never throws; waits at most `waitMs` for the store. */
  lookup(offerId: string, waitMs: number): Promise<OfferLookup>;
}

export interface ClickDeps {
  readonly offers: ClickOffers;
  readonly sink: TraceRequestSink;
  readonly clock: () => number;
  readonly newTraceId: () => string;
  /** The most a click may take, from its start to its answer. */
  readonly budgetMs: number;
}

/** `pending`: the hand-off had not finished by the deadline (see `handOff`). */
/** `skipped_paused`: an operator paused the offer's tracing (POST /admin/offers/{id}/pause). */
export type TraceDecision = SubmitOutcome | 'pending' | 'skipped_bot' | 'skipped_paused' | 'skipped_policy';

export type ClickOutcome =
  | {
      readonly kind: 'redirect';
      readonly location: string;
      readonly offerId: string;
      readonly traceId?: string;
      readonly trace: TraceDecision;
      readonly dropped: DroppedParam[];
      /** Set when the offer was served from a stale cache entry. */
      readonly stale?: { readonly ageMs: number; readonly reason: 'error' | 'timeout' };
      /** When `trace` is `pending`: the request, and the hand-off still under way. */
      readonly pending?: { readonly request: TraceRequest; readonly handOff: Promise<SubmitOutcome> };
    }
  | { readonly kind: 'unknown_offer'; readonly reason: 'invalid_id' | 'not_found' }
  /** The offer is not cached and the store did not answer in time: nothing to redirect to. */
  | { readonly kind: 'offer_unavailable'; readonly reason: 'error' | 'timeout'; readonly error?: unknown };

export async function handleClick(deps: ClickDeps, input: ClickInput): Promise<ClickOutcome> {
  const deadline = deps.clock() + deps.budgetMs - RESPONSE_RESERVE_MS;
  const left = () => Math.max(0, deadline - deps.clock());
  if (!isValidOfferId(input.offerId)) return { kind: 'unknown_offer', reason: 'invalid_id' };
  const found = await deps.offers.lookup(input.offerId, left());
  if (found.status === 'not_found') return { kind: 'unknown_offer', reason: 'not_found' };
  if (found.status === 'unavailable') return { kind: 'offer_unavailable', reason: found.reason, error: found.error };
  const { offer } = found;

  const { params, dropped } = selectPassthrough(input.query, offer.passthrough);
  const location = buildRedirectUrl(offer.redirectUrl, params);
  const base = { kind: 'redirect' as const, location, offerId: offer.offerId, dropped, ...(found.stale ? { stale: found.stale } : {}) };

  if (isAutomatedClick(input.method, input.userAgent)) return { ...base, trace: 'skipped_bot' };
  if (offer.pausedAt !== undefined) return { ...base, trace: 'skipped_paused' };
  if (!offer.tracePolicy.enabled) return { ...base, trace: 'skipped_policy' };

  const auto = offer.country === 'auto';
  const request: TraceRequest = {
    v: 1,
    traceId: deps.newTraceId(),
    offerId: offer.offerId,
    source: 'click',
    params,
    clickedAt: deps.clock(),
    country: auto ? (input.headerCountry ?? 'any') : offer.country,
    // Traces emulate the device the offer is configured for (its landing pages differ by device).
    device: offer.device,
    attempt: 1,
    // The country database is the starter's: resolving there keeps it out of the click's cold start.
    ...(auto && !input.headerCountry && input.clientIp ? { clientIp: input.clientIp } : {}),
    ...(offer.tracePolicy.maxTracesPerMinute ? { maxTracesPerMinute: offer.tracePolicy.maxTracesPerMinute } : {}),
  };
  const handOff = deps.sink.submit(request);
  const trace = await within(handOff, left());
  if (trace === TIMED_OUT) return { ...base, traceId: request.traceId, trace: 'pending', pending: { request, handOff } };
  return { ...base, traceId: request.traceId, trace };
}
