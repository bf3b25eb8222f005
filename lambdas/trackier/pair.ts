/**
 * Trackier offers and pairs in the Catalog table:
 *   pk offer#<offerId>, sk offer      the offer itself (lambdas/offers)
 *   pk offer#<offerId>, sk trackier   the offer's Trackier settings and creation progress
 *   pk offer#<offerId>, sk pair#<nnn> one item per pair (001…020), so counters are atomic ADDs
 * A pair item carries `webhookToken` (GSI byWebhookToken) and, once created, `url1CampaignId`
 * (GSI byCampaign). Stats use the earlier system's snake_case names, which operators already know.
 * Zod-free (the admin's input schemas are in pair-schema.ts), so the webhook's bundle stays lean.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const MIN_PAIRS = 1;
export const MAX_PAIRS = 20;

export const trackierKey = (offerId: string) => ({ pk: `offer#${offerId}`, sk: 'trackier' });
export const pairSk = (pairNumber: number) => `pair#${String(pairNumber).padStart(3, '0')}`;
export const pairKey = (offerId: string, pairNumber: number) => ({ pk: `offer#${offerId}`, sk: pairSk(pairNumber) });
export const PAIR_SK_PREFIX = 'pair#';

export function isPairNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= MIN_PAIRS && value <= MAX_PAIRS;
}

/** Path parameter `{n}` → pair number, or undefined when it is not 1–20 in plain digits. */
export function parsePairNumber(raw: string | undefined): number | undefined {
  if (!raw || !/^\d{1,2}$/.test(raw)) return undefined;
  const n = Number(raw);
  return isPairNumber(n) ? n : undefined;
}

// ---------------------------------------------------------------------------------------------
// Sub-id mapping

export const SUB_FIELDS = ['sub1', 'sub2', 'sub3', 'sub4', 'sub5', 'sub6', 'sub7', 'sub8', 'sub9', 'sub10'] as const;
export type SubField = (typeof SUB_FIELDS)[number];
/** For each sub field, the traced parameter names that feed it, first present wins. */
export type SubIdMapping = Partial<Record<SubField, readonly string[]>>;

/**
 * The default mapping. sub1 carries the ad click id (what the ad platform needs back for
 * conversion attribution); sub2 the affiliate network's own click/transaction id (what the
 * network's conversion postback quotes); sub3–sub5 the network's first three sub parameters in
 * their common spellings (aff_sub, s1, subid …), which networks use for per-click values. Names
 * are matched case-sensitively against the final URL's parameters, as the tracer reports them.
 */
export const DEFAULT_SUB_ID_MAPPING: SubIdMapping = {
  sub1: ['gclid', 'gbraid', 'wbraid', 'msclkid', 'fbclid', 'ttclid'],
  sub2: ['clickid', 'click_id', 'clickId', 'transaction_id', 'aff_click_id', 'irclickid', 'cid'],
  sub3: ['sub1', 'aff_sub', 'aff_sub1', 's1', 'subid', 'sub_id'],
  sub4: ['sub2', 'aff_sub2', 's2'],
  sub5: ['sub3', 'aff_sub3', 's3'],
};

// ---------------------------------------------------------------------------------------------
// Tokens

/** 128 random bits, base64url (22 characters). */
export const newWebhookToken = (): string => randomBytes(16).toString('base64url');
export const WEBHOOK_TOKEN_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/**
 * Constant-time equality for secrets of any length: both sides are hashed first, so
 * timingSafeEqual always compares two 32-byte digests and the length leaks nothing either.
 */
export function tokensEqual(presented: string, stored: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(stored, 'utf8').digest();
  return timingSafeEqual(a, b);
}

// ---------------------------------------------------------------------------------------------
// Records

export interface TrackierPair {
  offerId: string;
  pairNumber: number;
  name: string;
  enabled: boolean;
  webhookToken: string;
  webhookUrl: string;
  url1CampaignId?: string;
  url2CampaignId?: string;
  googleAdsTemplate?: string;
  /** Overrides the offer's mapping for this pair. */
  subIdMapping?: SubIdMapping;
  /** Postbacks must carry a valid `ts` + `sig` under the pair's signing key (webhook-signature.ts). */
  requireSignature?: boolean;
  webhook_count: number;
  update_count: number;
  last_webhook_at?: number;
  last_update_at?: number;
  last_test_at?: number;
  sub_id_values?: Record<string, string>;
  /** The trace whose values were last written to URL2 (makes the task's bookkeeping idempotent). */
  lastUpdateTraceId?: string;
  /** updateOrderKey of that update: an update from an older webhook never replaces it. */
  lastUpdateOrder?: string;
  createdAt: number;
  updatedAt: number;
}

export type OfferCreationStatus = 'creating' | 'ready';

export interface TrackierOfferSettings {
  offerId: string;
  /** Pairs requested so far (the highest pair number). */
  pairCount: number;
  advertiserId: string;
  /** Click domain of the Trackier account, e.g. `acme.gotrackier.com`, for tracking links. */
  trackingDomain?: string;
  publisherId: string;
  subIdMapping?: SubIdMapping;
  status: OfferCreationStatus;
  lastError?: string;
  createdAt: number;
  updatedAt: number;
}

/** The mapping that applies to a pair: its own, else the offer's, else the default. */
export function effectiveMapping(pair: Pick<TrackierPair, 'subIdMapping'>, offer?: Pick<TrackierOfferSettings, 'subIdMapping'>): SubIdMapping {
  return pair.subIdMapping ?? offer?.subIdMapping ?? DEFAULT_SUB_ID_MAPPING;
}

/** Every parameter name a mapping reads (the only caller parameters a webhook lets through). */
export function mappedNames(mapping: SubIdMapping): Set<string> {
  return new Set(SUB_FIELDS.flatMap((field) => mapping[field] ?? []));
}

/**
 * The order of a URL2 update: when its webhook was received, then its trace id (UUIDv7) to break
 * ties. Zero-padded, so DynamoDB's string comparison orders it as a number.
 */
export function updateOrderKey(receivedAt: number, traceId: string): string {
  return `${String(Math.max(0, Math.floor(receivedAt))).padStart(15, '0')}#${traceId}`;
}

export function stripKeys<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return rest as T;
}

// ---------------------------------------------------------------------------------------------
// URLs

/** `https://<domain>/click?campaign_id=<id>&pub_id=<pub>` (Trackier's click URL; ASSUMED format). */
export function trackingLink(trackingDomain: string, campaignId: string, publisherId: string): string {
  const url = new URL(`https://${trackingDomain}/click`);
  url.searchParams.set('campaign_id', campaignId);
  url.searchParams.set('pub_id', publisherId);
  return url.toString();
}

/**
 * The Google Ads tracking template for a pair: URL1's click link with ValueTrack parameters in
 * Trackier's sub slots (sub1 = gclid, the rest for reporting). `{lpurl}` keeps the final URL.
 */
export function googleAdsTemplate(trackingDomain: string, url1CampaignId: string, publisherId: string): string {
  const base = trackingLink(trackingDomain, url1CampaignId, publisherId);
  // ValueTrack placeholders must stay literal ({gclid}), so they are appended unencoded.
  return `${base}&sub1={gclid}&sub2={campaignid}&sub3={adgroupid}&sub4={creative}&sub5={keyword}&lpurl={lpurl}`;
}

/** The S2S push URL an operator pastes into Trackier for one pair. */
export function webhookUrl(publicBaseUrl: string, token: string): string {
  // {campaign_id} is a Trackier macro, filled when Trackier fires: it must stay literal.
  return `${publicBaseUrl.replace(/\/+$/, '')}/webhooks/trackier?token=${encodeURIComponent(token)}&campaign_id={campaign_id}`;
}
