/**
 * The impression / click event as it arrives (query parameters of `GET|POST /event/{type}`) and as
 * it travels through the Events queue. Validation answers one of a small fixed set of reason
 * codes, so invalid events can be counted by reason (a metric dimension must stay low-cardinality).
 */
import * as z from 'zod/mini';

export const EVENT_TYPES = ['impression', 'click'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const INVALID_REASONS = ['unknown_type', 'missing_field', 'invalid_id', 'invalid_page_url', 'invalid_timestamp', 'timestamp_out_of_range', 'value_too_long'] as const;
export type InvalidReason = (typeof INVALID_REASONS)[number];

export const LIMITS = {
  pageUrlMaxLength: 2048,
  /** Client timestamps older than this are refused: they would land in hours already reported. */
  maxPastMs: 7 * 24 * 3600 * 1000,
  /** Clock skew allowance for client timestamps. */
  maxFutureMs: 5 * 60 * 1000,
  /** Longer user agents are cut, not refused: the event itself is fine. */
  userAgentMaxLength: 512,
  /** revenue_cents above this (US$ 10,000 for one click) is taken for a typo or abuse and dropped. */
  revenueCentsMax: 1_000_000,
} as const;

/**
 * Why a click's revenue_cents was dropped. The event itself is kept: a bad revenue value must
 * never lose the click it rides on.
 */
export type RevenueDropReason = 'revenue_not_integer' | 'revenue_negative' | 'revenue_too_large' | 'revenue_on_impression';

/** What the handler hands over: the path type, the query parameters and the request context. */
export interface RawEventInput {
  readonly type: string | undefined;
  readonly params: Readonly<Record<string, string | undefined>>;
  readonly clientIp?: string | undefined;
  readonly userAgent?: string | undefined;
  /** Epoch ms when the request arrived. */
  readonly receivedAt: number;
}

/** A validated event (ids lower-cased). `timestamp` is the client's when given, else receivedAt. */
export interface AnalyticsEvent {
  readonly type: EventType;
  readonly adUnitId: string;
  readonly campaignId: string;
  readonly creativeId: string;
  readonly pageUrl: string;
  readonly timestamp: number;
  readonly clientTimestamp?: number;
  readonly receivedAt: number;
  readonly clientIp?: string;
  readonly userAgent?: string;
  /** Clicks only: what the click earned, in cents. */
  readonly revenueCents?: number;
}

/** The Events queue message body. `eventId` (UUIDv7, set at ingest) is the dedup key downstream. */
export interface QueuedEvent extends AnalyticsEvent {
  readonly v: 1;
  readonly eventId: string;
}

export type ParseResult = { ok: true; event: AnalyticsEvent; revenueDropped?: RevenueDropReason } | { ok: false; reason: InvalidReason };

// Zod issues carry the reason code as their message; the first issue in field order wins.
// zod/mini, not zod: the same validators without the method-chaining API, ~400 KB less in the
// ingest bundle, whose cold start a pixel may wait on.
const blankToUndefined = z.transform((v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v));
const id = z.pipe(
  blankToUndefined,
  z.pipe(
    z.string({ error: (iss) => (iss.input === undefined ? 'missing_field' : 'invalid_id') }).check(z.maxLength(256, { error: 'value_too_long' })),
    z.guid({ error: 'invalid_id' }),
  ),
);
const pageUrl = z.pipe(
  blankToUndefined,
  z
    .string({ error: (iss) => (iss.input === undefined ? 'missing_field' : 'invalid_page_url') })
    .check(z.maxLength(LIMITS.pageUrlMaxLength, { error: 'value_too_long' }), z.refine(isHttpUrl, { error: 'invalid_page_url' })),
);
const timestamp = z.pipe(
  blankToUndefined,
  z.optional(z.pipe(z.string({ error: 'invalid_timestamp' }).check(z.regex(/^\d{1,16}$/, { error: 'invalid_timestamp' })), z.transform(Number))),
);

const paramsSchema = z.object({
  ad_unit_id: id,
  campaign_id: id,
  creative_id: id,
  page_url: pageUrl,
  timestamp,
});

function isHttpUrl(value: string): boolean {
  if (!/^https?:\/\//i.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

const isReason = (value: string): value is InvalidReason => (INVALID_REASONS as readonly string[]).includes(value);

export function isEventType(value: unknown): value is EventType {
  return value === 'impression' || value === 'click';
}

/** revenue_cents as given (blank: absent), or why it cannot be kept. Hand-parsed: digits only. */
export function parseRevenueCents(raw: string | undefined): { value?: number; dropped?: RevenueDropReason } {
  const text = raw?.trim();
  if (!text) return {};
  if (/^-\d+$/.test(text)) return { dropped: 'revenue_negative' };
  // Digits only: "1e3", "12.5", "0x10" and " 7abc" are not integers a client meant.
  if (!/^\d+$/.test(text)) return { dropped: 'revenue_not_integer' };
  const value = text.length > 16 ? Infinity : Number(text);
  return value > LIMITS.revenueCentsMax ? { dropped: 'revenue_too_large' } : { value };
}

/** Validates an incoming event. Never throws. Unknown parameters (cache-busters…) are ignored. */
export function parseEvent(input: RawEventInput): ParseResult {
  const type = input.type?.toLowerCase();
  if (!isEventType(type)) return { ok: false, reason: 'unknown_type' };
  const parsed = paramsSchema.safeParse(input.params);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? '';
    return { ok: false, reason: isReason(message) ? message : 'missing_field' };
  }
  const p = parsed.data;
  if (p.timestamp !== undefined) {
    const age = input.receivedAt - p.timestamp;
    if (age > LIMITS.maxPastMs || -age > LIMITS.maxFutureMs) return { ok: false, reason: 'timestamp_out_of_range' };
  }
  const userAgent = input.userAgent?.slice(0, LIMITS.userAgentMaxLength) || undefined;
  const clientIp = input.clientIp?.trim().slice(0, 64) || undefined;
  const revenue = parseRevenueCents(input.params.revenue_cents);
  const revenueDropped = revenue.dropped ?? (type !== 'click' && revenue.value !== undefined ? 'revenue_on_impression' : undefined);
  const revenueCents = type === 'click' ? revenue.value : undefined;
  return {
    ok: true,
    ...(revenueDropped ? { revenueDropped } : {}),
    event: {
      type,
      adUnitId: p.ad_unit_id.toLowerCase(),
      campaignId: p.campaign_id.toLowerCase(),
      creativeId: p.creative_id.toLowerCase(),
      pageUrl: p.page_url,
      timestamp: p.timestamp ?? input.receivedAt,
      ...(p.timestamp !== undefined ? { clientTimestamp: p.timestamp } : {}),
      receivedAt: input.receivedAt,
      ...(clientIp ? { clientIp } : {}),
      ...(userAgent ? { userAgent } : {}),
      ...(revenueCents !== undefined ? { revenueCents } : {}),
    },
  };
}

const guid = z.pipe(
  z.guid(),
  z.transform((s: string) => s.toLowerCase()),
);
const count = () => z.int().check(z.nonnegative());
/** Schema of the queue message, checked again by the aggregator (the queue is a trust boundary too). */
export const queuedEventSchema = z.object({
  v: z.literal(1),
  eventId: guid,
  type: z.enum(EVENT_TYPES),
  adUnitId: guid,
  campaignId: guid,
  creativeId: guid,
  pageUrl: z.string().check(z.maxLength(LIMITS.pageUrlMaxLength)),
  timestamp: count(),
  clientTimestamp: z.optional(count()),
  receivedAt: count(),
  clientIp: z.optional(z.string().check(z.maxLength(64))),
  userAgent: z.optional(z.string().check(z.maxLength(LIMITS.userAgentMaxLength))),
  revenueCents: z.optional(count().check(z.maximum(LIMITS.revenueCentsMax))),
});

export function parseQueuedEvent(body: string): QueuedEvent | undefined {
  try {
    const result = queuedEventSchema.safeParse(JSON.parse(body));
    return result.success ? (result.data as QueuedEvent) : undefined;
  } catch {
    return undefined;
  }
}
