/**
 * Signed postbacks (optional, per pair). Each pair's key is derived from one master secret, the
 * `webhookSigningKey` field of the Trackier secret: HMAC-SHA256(master, "<offerId>#<pairNumber>").
 * So there is one secret to store and rotate, and a key never has to be written anywhere else:
 * rotating the master changes every pair's key at once.
 *
 * The sender adds `ts` (Unix seconds) and `sig`: the lower-case hex HMAC-SHA256, under the pair's
 * key, of every other parameter it sends (token and campaign_id included) sorted by name and
 * joined as `name=value` pairs with `&`, each name and value percent-encoded like
 * encodeURIComponent. A signature older or newer than the window is refused; within it, each
 * signature is accepted once (the replay guard in webhook-limits.ts).
 */
import { createHmac } from 'node:crypto';
import type { SecretSource } from '../shared/provider-credentials';
import { tokensEqual } from './pair';
import { cachedPromise } from '../shared/cached-promise';

export const SIGNATURE_PARAM = 'sig';
export const TIMESTAMP_PARAM = 'ts';
/** How far `ts` may be from the receiver's clock, seconds. */
export const SIGNATURE_WINDOW_S = 300;
/** Shortest master accepted: 32 characters (a key shorter than the hash adds no strength). */
export const MIN_MASTER_LENGTH = 32;

export type SignatureVerdict = 'valid' | 'missing' | 'stale' | 'invalid';

/** A pair's signing key (base64url), the same on every call for the same master. */
export function pairSigningKey(master: string, offerId: string, pairNumber: number): string {
  return createHmac('sha256', master).update(`${offerId}#${pairNumber}`, 'utf8').digest('base64url');
}

/** What is signed: every parameter but `sig`, sorted by name, percent-encoded, `&`-joined. */
export function canonicalPayload(params: Readonly<Record<string, string | undefined>>): string {
  return Object.entries(params)
    .filter((entry): entry is [string, string] => entry[0] !== SIGNATURE_PARAM && entry[1] !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
}

export function signPostback(key: string, params: Readonly<Record<string, string | undefined>>): string {
  return createHmac('sha256', key).update(canonicalPayload(params), 'utf8').digest('hex');
}

/**
 * Checks `sig` and `ts` among `params`. The comparison is constant-time (tokensEqual hashes both
 * sides and compares the digests with crypto.timingSafeEqual), so a wrong signature of any length
 * takes as long as a nearly right one.
 */
export function verifySignature(key: string, params: Readonly<Record<string, string | undefined>>, nowMs: number, windowS: number = SIGNATURE_WINDOW_S): SignatureVerdict {
  const sig = params[SIGNATURE_PARAM];
  const ts = params[TIMESTAMP_PARAM];
  if (!sig || !ts) return 'missing';
  if (!/^\d{1,12}$/.test(ts) || Math.abs(Number(ts) - nowMs / 1000) > windowS) return 'stale';
  return tokensEqual(sig.toLowerCase(), signPostback(key, params)) ? 'valid' : 'invalid';
}

/** The master signing secret, or undefined when the Trackier secret carries none (signing unavailable). */
export type SigningMasterSource = () => Promise<string | undefined>;

/**
 * Reads `webhookSigningKey` from the Trackier secret, cached like the API credentials (a rotated
 * master is picked up within ttlMs). A missing or short value means "no signing", never an error;
 * a secret that cannot be read at all is an error (a fault, not a miss).
 */
export function signingMasterFromSecret(deps: { source: SecretSource; clock: () => number }, config: { secretId: string; ttlMs?: number }): SigningMasterSource {
  const ttlMs = config.ttlMs ?? 300_000;
  const load = async (): Promise<string | undefined> => {
    const raw = await deps.source.getSecretString(config.secretId);
    if (raw === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return undefined;
    }
    const value = (json as { webhookSigningKey?: unknown } | null)?.webhookSigningKey;
    return typeof value === 'string' && value.length >= MIN_MASTER_LENGTH ? value : undefined;
  };
  return cachedPromise(load, ttlMs, deps.clock);
}
