/**
 * The offer record, as operators PUT it. Validated at the edge with zod: unknown fields are rejected, absent
 * fields take the defaults below, and URLs must be plain http(s) without embedded credentials —
 * the redirect destination only ever comes from here, never from a request.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isValidOfferId } from './offer-id';

export const DEFAULT_PASSTHROUGH = ['gclid', 'gbraid', 'wbraid', 'fbclid', 'msclkid', 'ttclid', 'utm_*'] as const;

const MAX_URL_LENGTH = 2048;

const webUrl = z
  .string()
  .max(MAX_URL_LENGTH)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password && !!url.hostname;
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL without credentials');

/** A parameter name, or a prefix pattern ending in `*` (utm_*). */
const passthroughName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}\*?$/, 'must be a parameter name or a prefix ending in *');

export const tracePolicySchema = z
  .object({
    /** auto: HTTP first, the browser when the page needs it. */
    mode: z.enum(['auto', 'http', 'browser']).default('auto'),
    /** Lease an IP of any country when the offer's country has none free. */
    anyCountry: z.boolean().default(false),
    /** Clicks still redirect when false; they are just not traced. */
    enabled: z.boolean().default(true),
    /**
     * The offer's trace budget: clicks traced per minute at most (a burst of this many, refilled
     * evenly). Clicks beyond it still redirect; they are counted, not traced. Absent: 60.
     */
    maxTracesPerMinute: z.number().int().min(1).max(6000).optional(),
  })
  .strict();

/** The offer's Trackier webhook options (lambdas/trackier/webhook.ts). */
export const offerTrackierSchema = z
  .object({
    /**
     * Accept postbacks addressed by the offer id (token=<offerId>) or by a URL1 campaign id
     * (campaign_id=…), as the earlier system did. Off by default: both ids are public.
     */
    legacyRoutes: z.boolean().default(false),
  })
  .strict();

/** Clicks traced per minute per offer when the offer does not say. */
export const DEFAULT_TRACES_PER_MINUTE = 60;

export const offerInputSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    redirectUrl: webUrl,
    trackingUrl: webUrl.optional(),
    country: z
      .string()
      .regex(/^([A-Za-z]{2}|auto)$/, 'must be an ISO 3166-1 alpha-2 code or "auto"')
      .transform((c) => c.toLowerCase())
      .default('auto'),
    device: z.enum(['desktop', 'mobile']).default('desktop'),
    passthrough: z
      .array(passthroughName)
      .max(50)
      .default([...DEFAULT_PASSTHROUGH]),
    tracePolicy: tracePolicySchema.default({ mode: 'auto', anyCountry: false, enabled: true }),
    trackier: offerTrackierSchema.optional(),
  })
  .strict();

export type OfferInput = z.input<typeof offerInputSchema>;
export type TracePolicy = z.output<typeof tracePolicySchema>;

export interface Offer {
  readonly offerId: string;
  readonly name: string;
  readonly redirectUrl: string;
  readonly trackingUrl: string;
  readonly country: string;
  readonly device: 'desktop' | 'mobile';
  readonly passthrough: readonly string[];
  readonly tracePolicy: TracePolicy;
  /** Absent: the defaults (no legacy webhook routes). */
  readonly trackier?: z.output<typeof offerTrackierSchema>;
  readonly createdAt: number;
  readonly updatedAt: number;
  /**
   * Changes only when what a trace does changes (see traceVersionOf): the tracer's learned mode
   * is kept per trace version, so renaming an offer or editing its redirect does not forget it.
   * Absent on offers stored before it existed (their updatedAt stands in).
   */
  readonly traceVersion?: number;
  /**
   * Soft-deleted (epoch ms): the click, the pipeline and the webhooks see no such offer; the item
   * is kept so that `POST /admin/offers/{id}/restore` brings it back as it was.
   */
  readonly deletedAt?: number;
  /** Tracing paused (epoch ms): clicks still redirect but queue no trace. Survives a PUT. */
  readonly pausedAt?: number;
}

/** The fields an operator writes with PUT; the rest is the item's own bookkeeping. */
export type OfferFields = Omit<Offer, 'createdAt' | 'updatedAt' | 'traceVersion' | 'deletedAt' | 'pausedAt'>;

export type OfferValidation = { ok: true; offer: OfferFields } | { ok: false; issues: { path: string; message: string }[] };

export function validateOffer(offerId: string, input: unknown): OfferValidation {
  if (!isValidOfferId(offerId)) {
    return { ok: false, issues: [{ path: 'offerId', message: 'must be 1-64 letters, digits, dot, dash or underscore' }] };
  }
  const parsed = offerInputSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((issue) => ({
        path: issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : ''),
        message: issue.message,
      })),
    };
  }
  const value = parsed.data;
  return {
    ok: true,
    offer: {
      offerId,
      name: value.name ?? offerId,
      redirectUrl: value.redirectUrl,
      trackingUrl: value.trackingUrl ?? value.redirectUrl,
      country: value.country,
      device: value.device,
      passthrough: value.passthrough,
      tracePolicy: value.tracePolicy,
      // Always present (undefined when not given) so a PUT without it clears an earlier setting.
      trackier: value.trackier,
    },
  };
}

/**
 * The version of what a trace of the offer does: its tracking URL, device, country and trace mode,
 * hashed to a number (48 bits, an exact integer in a JSON number and a DynamoDB N). The same
 * settings always give the same version, so a PUT that leaves them alone keeps what the tracer
 * learned, and one that changes them starts learning afresh.
 */
export function traceVersionOf(offer: Pick<Offer, 'trackingUrl' | 'device' | 'country' | 'tracePolicy'>): number {
  const settings = JSON.stringify([offer.trackingUrl, offer.device, offer.country, offer.tracePolicy.mode]);
  return parseInt(createHash('sha256').update(settings).digest('hex').slice(0, 12), 16);
}

/** `POST /admin/offers/{id}/trace`'s optional body: trace as a clicker from this country, on this device. */
export const traceNowSchema = z
  .object({
    country: z
      .string()
      .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')
      .transform((c) => c.toLowerCase())
      .optional(),
    device: z.enum(['desktop', 'mobile']).optional(),
  })
  .strict();

export type TraceNowInput = z.output<typeof traceNowSchema>;

export function validateTraceNow(input: unknown): { ok: true; value: TraceNowInput } | { ok: false; issues: { path: string; message: string }[] } {
  const parsed = traceNowSchema.safeParse(input ?? {});
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((issue) => ({
      path: issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : ''),
      message: issue.message,
    })),
  };
}
