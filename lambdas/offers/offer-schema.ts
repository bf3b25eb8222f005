/**
 * The offer record, as operators PUT it. Validated at the edge with zod: unknown fields are rejected, absent
 * fields take the defaults below, and URLs must be plain http(s) without embedded credentials —
 * the redirect destination only ever comes from here, never from a request.
 */
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
  })
  .strict();

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
    passthrough: z.array(passthroughName).max(50).default([...DEFAULT_PASSTHROUGH]),
    tracePolicy: tracePolicySchema.default({ mode: 'auto', anyCountry: false, enabled: true }),
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
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type OfferValidation =
  | { ok: true; offer: Omit<Offer, 'createdAt' | 'updatedAt'> }
  | { ok: false; issues: { path: string; message: string }[] };

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
    },
  };
}
