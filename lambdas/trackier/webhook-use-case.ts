/**
 * GET|POST /webhooks/trackier: which pair a postback belongs to, then guard, log, count and trace.
 * No AWS client is imported here (the ports' adapters are passed in): the webhook's bundle, whose
 * cold start a postback waits on, stays lean. webhook.ts re-exports all of it with the SDK's log.
 *
 * Three routes, in order (the earlier system's, so existing Trackier postback URLs keep working):
 *   1. legacy    token equal to an offer id → that offer's pair 1
 *   2. token     token equal to a pair's webhook token (GSI byWebhookToken)
 *   3. campaign  otherwise, campaign_id equal to a pair's URL1 campaign id (GSI byCampaign)
 * The token route is always open. The legacy and campaign routes are closed unless the pair's
 * offer sets `trackier.legacyRoutes`: an offer id shows in every tracking URL and a URL1 campaign
 * id in every Google Ads template, so on their own they authenticate nobody.
 *
 * Then, for a routed, enabled pair: its signature when it requires one (webhook-signature.ts), a
 * rate limit per source address and per pair (webhook-limits.ts), a signature used only once.
 * Anything that fails before the rate limit is a miss: one answer whatever the reason (the
 * handler also evens out the time it takes), and nothing is written. Secrets are compared in
 * constant time (tokensEqual), after the key lookup found a candidate.
 */
import { randomBytes } from 'node:crypto';
import type { DocumentStore } from '../shared/document-store';
import type { OfferStore } from '../offers/offer-item';
import type { Offer } from '../offers/offer-schema';
import { isValidOfferId } from '../offers/offer-id';
import type { TraceRequest } from '../traces/trace-request';
import type { SubmitOutcome, TraceRequestSink } from '../traces/trace-sink';
import { selectPassthrough } from '../shared/click-params';
import { WEBHOOK_TOKEN_PATTERN, effectiveMapping, mappedNames, tokensEqual, type TrackierPair } from './pair';
import type { PairReads } from './pair-reads';
import { SIGNATURE_PARAM, SIGNATURE_WINDOW_S, TIMESTAMP_PARAM, pairSigningKey, verifySignature, type SigningMasterSource } from './webhook-signature';
import { addressKey, type RateLimiter, type ReplayGuard, type WebhookLimits } from './webhook-limits';

export type WebhookRoute = 'legacy' | 'token' | 'campaign';

/** The lookups routing needs (a port, so the rules are unit-testable without DynamoDB). */
export interface PairLookup {
  /** Pair 1 of the offer with this id, if the offer has Trackier pairs. */
  legacyPair(offerId: string): Promise<TrackierPair | undefined>;
  byToken(token: string): Promise<TrackierPair[]>;
  byUrl1Campaign(campaignId: string): Promise<TrackierPair[]>;
}

export function repositoryLookup(pairs: Pick<PairReads, 'getPair' | 'pairByToken' | 'pairsByUrl1Campaign'>): PairLookup {
  return {
    legacyPair: (offerId) => pairs.getPair(offerId, 1),
    byToken: (token) => pairs.pairByToken(token),
    byUrl1Campaign: (campaignId) => pairs.pairsByUrl1Campaign(campaignId),
  };
}

const CAMPAIGN_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export interface ResolvedPair {
  readonly route: WebhookRoute;
  readonly pair: TrackierPair;
}

/** Whether a route may be used for this pair (the legacy routes are the offer's choice). */
export type RouteGate = (route: WebhookRoute, pair: TrackierPair) => Promise<boolean>;

/** Every route open: for tests of the matching rules alone. */
export const ALL_ROUTES_OPEN: RouteGate = async () => true;

/**
 * The pair a webhook addresses, whether enabled or not; undefined when no open route matches. A
 * match on a closed route falls through to the next route, as if it had not matched.
 */
export async function resolvePair(lookup: PairLookup, query: { token?: string; campaignId?: string }, isOpen: RouteGate): Promise<ResolvedPair | undefined> {
  const token = query.token?.trim() || undefined;
  const campaignId = query.campaignId?.trim() || undefined;
  if (token && isValidOfferId(token)) {
    const pair = await lookup.legacyPair(token);
    if (pair && tokensEqual(token, pair.offerId) && (await isOpen('legacy', pair))) return { route: 'legacy', pair };
  }
  if (token && WEBHOOK_TOKEN_PATTERN.test(token)) {
    const pair = (await lookup.byToken(token)).find((p) => tokensEqual(token, p.webhookToken));
    if (pair && (await isOpen('token', pair))) return { route: 'token', pair };
  }
  if (campaignId && CAMPAIGN_ID_PATTERN.test(campaignId)) {
    const candidates = await lookup.byUrl1Campaign(campaignId);
    // Several offers could share a URL1 id only by operator error; the lowest offer/pair wins, deterministically.
    const pair = candidates
      .filter((p) => p.url1CampaignId !== undefined && tokensEqual(campaignId, p.url1CampaignId))
      .sort((a, b) => (a.offerId === b.offerId ? a.pairNumber - b.pairNumber : a.offerId < b.offerId ? -1 : 1))[0];
    if (pair && (await isOpen('campaign', pair))) return { route: 'campaign', pair };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Webhook log (Ops)

export interface WebhookLogEntry {
  readonly receivedAt: number;
  /** Only accepted webhooks are logged: a miss writes nothing. */
  readonly outcome: 'accepted';
  readonly route?: WebhookRoute;
  readonly offerId?: string;
  readonly pairNumber?: number;
  readonly traceId?: string;
  readonly submit?: SubmitOutcome;
  readonly test?: boolean;
  readonly method: string;
  readonly campaignId?: string;
  /** The forwarded (allow-listed) parameters; never the token. */
  readonly params?: Record<string, string>;
}

export interface WebhookLog {
  write(entry: WebhookLogEntry): Promise<void>;
}

/**
 * pk `webhook#<offerId>` (or `webhook#unrouted`), sk `<ISO time>#<random>`: an offer's webhooks
 * read back newest-first with one Query; expiresAt drops them after the retention.
 */
export function webhookLogItem(entry: WebhookLogEntry, retentionDays: number): Record<string, unknown> {
  return {
    pk: `webhook#${entry.offerId ?? 'unrouted'}`,
    sk: `${new Date(entry.receivedAt).toISOString()}#${randomBytes(4).toString('hex')}`,
    type: 'trackier_webhook',
    ...entry,
    expiresAt: Math.floor(entry.receivedAt / 1000) + retentionDays * 86_400,
  };
}

/** The log in the Ops table, on any DynamoDB client (OpsWebhookLog in webhook.ts: the SDK's). */
export class TableWebhookLog implements WebhookLog {
  constructor(
    private readonly store: DocumentStore,
    private readonly tableName: string,
    private readonly retentionDays = 14,
  ) {}

  async write(entry: WebhookLogEntry): Promise<void> {
    await this.store.put({ TableName: this.tableName, Item: webhookLogItem(entry, this.retentionDays) });
  }
}

// ---------------------------------------------------------------------------------------------
// The use case

export interface WebhookDeps {
  readonly lookup: PairLookup;
  readonly pairs: Pick<PairReads, 'recordWebhook' | 'recordTest' | 'getSettings'>;
  readonly offers: OfferStore;
  readonly sink: TraceRequestSink;
  readonly log: WebhookLog;
  readonly clock: () => number;
  readonly newTraceId: () => string;
  readonly limiter: RateLimiter;
  readonly limits: WebhookLimits;
  /** The master of the pairs' signing keys (only read for a pair that requires signatures). */
  readonly signingMaster: SigningMasterSource;
  readonly replay: ReplayGuard;
  /** Logging must never cost a webhook: failures land here. */
  readonly onLogError?: (error: unknown) => void;
}

/** What accepting a postback needs (the admin test route accepts without the guards). */
export type AcceptDeps = Pick<WebhookDeps, 'pairs' | 'offers' | 'sink' | 'log' | 'clock' | 'newTraceId' | 'onLogError'>;

export interface WebhookInput {
  readonly token?: string;
  readonly campaignId?: string;
  /** Every other parameter of the postback (query and body, `ts` and `sig` included). */
  readonly params: Readonly<Record<string, string | undefined>>;
  readonly method: string;
  /** The caller's address as API Gateway saw it (never a header the caller sets). */
  readonly sourceIp?: string;
}

/** Why a postback was a miss: for logs and metrics only, never for the caller. */
export type MissReason =
  'no_route' | 'route_off' | 'disabled' | 'offer_missing' | 'signature_missing' | 'signature_stale' | 'signature_invalid' | 'signature_replayed' | 'signing_unavailable';

export type WebhookOutcome =
  | { kind: 'accepted'; route: WebhookRoute; offerId: string; pairNumber: number; traceId: string; submit: SubmitOutcome }
  | { kind: 'not_found'; reason: MissReason }
  | { kind: 'rate_limited'; scope: 'pair' | 'address'; retryAfterS: number; offerId: string; pairNumber: number };

const miss = (reason: MissReason): WebhookOutcome => ({ kind: 'not_found', reason });

export async function handleWebhook(deps: WebhookDeps, input: WebhookInput): Promise<WebhookOutcome> {
  const receivedAt = deps.clock();
  let closed = false;
  const isOpen: RouteGate = async (route, pair) => {
    if (route === 'token') return true;
    const open = (await deps.offers.get(pair.offerId))?.trackier?.legacyRoutes === true;
    closed ||= !open;
    return open;
  };
  const resolved = await resolvePair(deps.lookup, input, isOpen);
  if (!resolved) return miss(closed ? 'route_off' : 'no_route');
  const { pair, route } = resolved;
  if (!pair.enabled) return miss('disabled');
  const offer = await deps.offers.get(pair.offerId);
  if (!offer) return miss('offer_missing');

  // Everything the caller sent, as it sent it: what a signature covers.
  const sent = signedParams(input);
  if (pair.requireSignature) {
    const master = await deps.signingMaster();
    if (!master) return miss('signing_unavailable');
    const verdict = verifySignature(pairSigningKey(master, pair.offerId, pair.pairNumber), sent, receivedAt);
    if (verdict !== 'valid') return miss(`signature_${verdict}`);
  }

  const ip = addressKey(input.sourceIp);
  const byAddress = await deps.limiter.take(`trackier#addr#${ip}`, deps.limits.perAddress, receivedAt);
  if (!byAddress.allowed) return { kind: 'rate_limited', scope: 'address', retryAfterS: byAddress.retryAfterS, offerId: pair.offerId, pairNumber: pair.pairNumber };
  const byPair = await deps.limiter.take(`trackier#pair#${pair.offerId}#${pair.pairNumber}`, deps.limits.perPair, receivedAt);
  if (!byPair.allowed) return { kind: 'rate_limited', scope: 'pair', retryAfterS: byPair.retryAfterS, offerId: pair.offerId, pairNumber: pair.pairNumber };

  // Last, so a postback refused by the rate limit can be sent again as it was.
  if (pair.requireSignature && !(await deps.replay.firstUse(sent[SIGNATURE_PARAM]!, (Number(sent[TIMESTAMP_PARAM]) + SIGNATURE_WINDOW_S) * 1000))) {
    return miss('signature_replayed');
  }
  return accept(deps, pair, offer, route, input, receivedAt, false);
}

function signedParams(input: WebhookInput): Record<string, string | undefined> {
  return {
    ...input.params,
    ...(input.token !== undefined ? { token: input.token } : {}),
    ...(input.campaignId !== undefined ? { campaign_id: input.campaignId } : {}),
  };
}

/** POST …/pairs/{n}/test: the same path as a real postback for that pair, marked as a test. */
export async function simulateWebhook(deps: AcceptDeps, pair: TrackierPair, params: Readonly<Record<string, string | undefined>>): Promise<WebhookOutcome> {
  const offer = await deps.offers.get(pair.offerId);
  if (!offer) return miss('offer_missing');
  return accept(deps, pair, offer, 'token', { params, method: 'TEST' }, deps.clock(), true);
}

/**
 * The caller's parameters that may travel on: only names the pair's sub-id mapping reads (the
 * only reason a postback's parameters matter), and of those only what the offer's passthrough
 * list allows, with its value checks. Everything else is dropped before the trace.
 */
export async function forwardedParams(
  deps: Pick<WebhookDeps, 'pairs'>,
  pair: TrackierPair,
  offer: Pick<Offer, 'passthrough'>,
  params: Readonly<Record<string, string | undefined>>,
): Promise<Record<string, string>> {
  const names = mappedNames(effectiveMapping(pair, await deps.pairs.getSettings(pair.offerId)));
  const named = Object.fromEntries(Object.entries(params).filter(([name]) => names.has(name) && name !== SIGNATURE_PARAM && name !== TIMESTAMP_PARAM));
  return selectPassthrough(named, offer.passthrough).params;
}

async function accept(
  deps: AcceptDeps,
  pair: TrackierPair,
  offer: Offer,
  route: WebhookRoute,
  input: WebhookInput,
  receivedAt: number,
  test: boolean,
): Promise<WebhookOutcome> {
  const params = await forwardedParams(deps, pair, offer, input.params);
  // Tests do not count as webhooks: the stats stay what Trackier really sent.
  if (test) await deps.pairs.recordTest(pair.offerId, pair.pairNumber, receivedAt);
  else await deps.pairs.recordWebhook(pair.offerId, pair.pairNumber, receivedAt);

  const request: TraceRequest = {
    v: 1,
    traceId: deps.newTraceId(),
    offerId: pair.offerId,
    source: test ? 'manual' : 'webhook',
    params,
    // Also what orders this pair's URL2 updates (update-campaign.ts): the webhook's receive time.
    clickedAt: receivedAt,
    country: offer.country === 'auto' ? 'any' : offer.country,
    device: offer.device,
    attempt: 1,
    pair: { offerId: pair.offerId, pairNumber: pair.pairNumber },
  };
  const submit = await deps.sink.submit(request);
  await safeLog(deps, {
    receivedAt,
    method: input.method,
    outcome: 'accepted',
    route,
    offerId: pair.offerId,
    pairNumber: pair.pairNumber,
    test,
    traceId: request.traceId,
    submit,
    params,
    campaignId: input.campaignId?.slice(0, 64),
  });
  return { kind: 'accepted', route, offerId: pair.offerId, pairNumber: pair.pairNumber, traceId: request.traceId, submit };
}

async function safeLog(deps: Pick<WebhookDeps, 'log' | 'onLogError'>, entry: WebhookLogEntry): Promise<void> {
  try {
    await deps.log.write(entry);
  } catch (error) {
    deps.onLogError?.(error);
  }
}

/**
 * Holds a miss until `floorMs` after the request started, so every miss answers in the same time
 * whatever work found it (one index query, or a pair, an offer and a signature check): the
 * caller cannot tell an unknown token from a closed route or a bad signature by the clock.
 */
export async function holdMiss(startedAt: number, floorMs: number, clock: () => number, sleep: (ms: number) => Promise<void>): Promise<void> {
  const wait = startedAt + floorMs - clock();
  if (wait > 0) await sleep(wait);
}
