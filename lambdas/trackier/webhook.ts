/**
 * GET|POST /webhooks/trackier: which pair a postback belongs to, then log, count and trace.
 *
 * Three routes, in order (the earlier system's, so existing Trackier postback URLs keep working):
 *   1. legacy    token equal to an offer id → that offer's pair 1
 *   2. token     token equal to a pair's webhook token (GSI byWebhookToken)
 *   3. campaign  otherwise, campaign_id equal to a pair's URL1 campaign id (GSI byCampaign)
 * Anything else — and a pair that is disabled — is "not found", answered with the same bare
 * 404 whatever the reason, so a caller learns nothing about which part was wrong. Secrets are
 * compared in constant time (tokensEqual), after the key lookup found a candidate.
 */
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import type { OfferStore } from '../offers/offer-item';
import { isValidOfferId } from '../offers/offer-id';
import type { TraceRequest } from '../trace-requests/trace-request';
import type { SubmitOutcome, TraceRequestSink } from '../adapters/trace-sink';
import { selectPassthrough } from '../click/click-params';
import { WEBHOOK_TOKEN_PATTERN, tokensEqual, type TrackierPair } from './pair';
import type { PairRepository } from './pair-repository';

export type WebhookRoute = 'legacy' | 'token' | 'campaign';

/** The lookups routing needs (a port, so the rules are unit-testable without DynamoDB). */
export interface PairLookup {
  /** Pair 1 of the offer with this id, if the offer has Trackier pairs. */
  legacyPair(offerId: string): Promise<TrackierPair | undefined>;
  byToken(token: string): Promise<TrackierPair[]>;
  byUrl1Campaign(campaignId: string): Promise<TrackierPair[]>;
}

export function repositoryLookup(pairs: PairRepository): PairLookup {
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

/** The pair a webhook addresses, whether enabled or not; undefined when no route matches. */
export async function resolvePair(lookup: PairLookup, query: { token?: string; campaignId?: string }): Promise<ResolvedPair | undefined> {
  const token = query.token?.trim() || undefined;
  const campaignId = query.campaignId?.trim() || undefined;
  if (token && isValidOfferId(token)) {
    const pair = await lookup.legacyPair(token);
    if (pair && tokensEqual(token, pair.offerId)) return { route: 'legacy', pair };
  }
  if (token && WEBHOOK_TOKEN_PATTERN.test(token)) {
    const pair = (await lookup.byToken(token)).find((p) => tokensEqual(token, p.webhookToken));
    if (pair) return { route: 'token', pair };
  }
  if (campaignId && CAMPAIGN_ID_PATTERN.test(campaignId)) {
    const candidates = await lookup.byUrl1Campaign(campaignId);
    // Several offers could share a URL1 id only by operator error; the lowest offer/pair wins, deterministically.
    const pair = candidates
      .filter((p) => p.url1CampaignId !== undefined && tokensEqual(campaignId, p.url1CampaignId))
      .sort((a, b) => (a.offerId === b.offerId ? a.pairNumber - b.pairNumber : a.offerId < b.offerId ? -1 : 1))[0];
    if (pair) return { route: 'campaign', pair };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Webhook log (Ops)

export interface WebhookLogEntry {
  readonly receivedAt: number;
  readonly outcome: 'accepted' | 'not_found' | 'disabled' | 'offer_missing';
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
export class OpsWebhookLog implements WebhookLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays = 14,
  ) {}

  async write(entry: WebhookLogEntry): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: `webhook#${entry.offerId ?? 'unrouted'}`,
          sk: `${new Date(entry.receivedAt).toISOString()}#${randomBytes(4).toString('hex')}`,
          type: 'trackier_webhook',
          ...entry,
          expiresAt: Math.floor(entry.receivedAt / 1000) + this.retentionDays * 86_400,
        },
      }),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The use case

export interface WebhookDeps {
  readonly lookup: PairLookup;
  readonly pairs: Pick<PairRepository, 'recordWebhook' | 'recordTest'>;
  readonly offers: OfferStore;
  readonly sink: TraceRequestSink;
  readonly log: WebhookLog;
  readonly clock: () => number;
  readonly newTraceId: () => string;
  /** Logging must never cost a webhook: failures land here. */
  readonly onLogError?: (error: unknown) => void;
}

export interface WebhookInput {
  readonly token?: string;
  readonly campaignId?: string;
  /** Every other parameter of the postback (query and body); filtered by the offer's passthrough list. */
  readonly params: Readonly<Record<string, string | undefined>>;
  readonly method: string;
}

export type WebhookOutcome =
  | { kind: 'accepted'; route: WebhookRoute; offerId: string; pairNumber: number; traceId: string; submit: SubmitOutcome }
  | { kind: 'not_found'; reason: 'no_route' | 'disabled' | 'offer_missing' };

export async function handleWebhook(deps: WebhookDeps, input: WebhookInput): Promise<WebhookOutcome> {
  const receivedAt = deps.clock();
  const resolved = await resolvePair(deps.lookup, input);
  if (!resolved) {
    // Not written to Ops: an unauthenticated caller must not be able to turn requests into
    // table writes. The handler logs and counts it instead.
    return { kind: 'not_found', reason: 'no_route' };
  }
  const { pair, route } = resolved;
  if (!pair.enabled) {
    await safeLog(deps, { receivedAt, method: input.method, outcome: 'disabled', route, offerId: pair.offerId, pairNumber: pair.pairNumber });
    return { kind: 'not_found', reason: 'disabled' };
  }
  return accept(deps, pair, route, input, receivedAt, false);
}

/** POST …/pairs/{n}/test: the same path as a real postback for that pair, marked as a test. */
export async function simulateWebhook(
  deps: WebhookDeps,
  pair: TrackierPair,
  params: Readonly<Record<string, string | undefined>>,
): Promise<WebhookOutcome> {
  return accept(deps, pair, 'token', { params, method: 'TEST' }, deps.clock(), true);
}

async function accept(
  deps: WebhookDeps,
  pair: TrackierPair,
  route: WebhookRoute,
  input: WebhookInput,
  receivedAt: number,
  test: boolean,
): Promise<WebhookOutcome> {
  const offer = await deps.offers.get(pair.offerId);
  const base = { receivedAt, method: input.method, route, offerId: pair.offerId, pairNumber: pair.pairNumber, test };
  if (!offer) {
    await safeLog(deps, { ...base, outcome: 'offer_missing' });
    return { kind: 'not_found', reason: 'offer_missing' };
  }
  // Tests do not count as webhooks: the stats stay what Trackier really sent.
  if (test) await deps.pairs.recordTest(pair.offerId, pair.pairNumber, receivedAt);
  else await deps.pairs.recordWebhook(pair.offerId, pair.pairNumber, receivedAt);

  const { params } = selectPassthrough(input.params, offer.passthrough);
  const request: TraceRequest = {
    v: 1,
    traceId: deps.newTraceId(),
    offerId: pair.offerId,
    source: test ? 'manual' : 'webhook',
    params,
    clickedAt: receivedAt,
    country: offer.country === 'auto' ? 'any' : offer.country,
    device: offer.device,
    attempt: 1,
    pair: { offerId: pair.offerId, pairNumber: pair.pairNumber },
  };
  const submit = await deps.sink.submit(request);
  await safeLog(deps, { ...base, outcome: 'accepted', traceId: request.traceId, submit, params, campaignId: input.campaignId?.slice(0, 64) });
  return { kind: 'accepted', route, offerId: pair.offerId, pairNumber: pair.pairNumber, traceId: request.traceId, submit };
}

async function safeLog(deps: WebhookDeps, entry: WebhookLogEntry): Promise<void> {
  try {
    await deps.log.write(entry);
  } catch (error) {
    deps.onLogError?.(error);
  }
}
