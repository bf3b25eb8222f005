/**
 * Guards of the public webhook that must hold across Lambda instances, so they live in the Ops
 * table rather than in memory:
 *   pk ratelimit#<key>, sk <window start ms>   a fixed-window counter (one conditional ADD per
 *                                              request; TTL drops it after its window)
 *   pk trackier#sig#<signature>, sk seen      a signature already accepted (TTL: its validity)
 * Both are written only for a request that already routed to an enabled pair (and, for a signed
 * pair, passed its signature): a miss never turns into a write. On any DynamoDB client (the
 * DocumentStore port): the webhook runs them on the lean one.
 */
import { isIPv6 } from 'node:net';
import { isConditionFailed, type DocumentStore } from '../shared/document-store';

export interface WebhookLimits {
  /** Accepted postbacks per pair per window. */
  readonly perPair: number;
  /** Accepted postbacks per source address (IPv6: per /64) per window, all pairs together. */
  readonly perAddress: number;
}

/**
 * A pair's postbacks each start a trace through the proxy pool, so 60 a minute is already more
 * than a pool serves; one Trackier server address posts for every pair of every offer.
 */
export const DEFAULT_WEBHOOK_LIMITS: WebhookLimits = { perPair: 60, perAddress: 600 };

export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterS: number };

export interface RateLimiter {
  /** Counts one request against `key`; refuses it once `limit` were counted in the current window. */
  take(key: string, limit: number, now: number): Promise<RateDecision>;
}

export interface ReplayGuard {
  /** True the first time a signature is presented; false when it was accepted before. */
  firstUse(signature: string, validUntilMs: number): Promise<boolean>;
}

export class OpsRateLimiter implements RateLimiter {
  constructor(
    private readonly store: DocumentStore,
    private readonly tableName: string,
    private readonly windowMs = 60_000,
  ) {}

  async take(key: string, limit: number, now: number): Promise<RateDecision> {
    const windowStart = Math.floor(now / this.windowMs) * this.windowMs;
    const windowEnd = windowStart + this.windowMs;
    try {
      await this.store.update({
        TableName: this.tableName,
        Key: { pk: `ratelimit#${key}`, sk: String(windowStart) },
        UpdateExpression: 'ADD hits :one SET expiresAt = :exp',
        // Refused requests are not counted: the counter stops at the limit.
        ConditionExpression: 'attribute_not_exists(hits) OR hits < :limit',
        ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':exp': Math.ceil(windowEnd / 1000) + 60 },
      });
      return { allowed: true };
    } catch (error) {
      if (isConditionFailed(error)) return { allowed: false, retryAfterS: Math.max(1, Math.ceil((windowEnd - now) / 1000)) };
      throw error;
    }
  }
}

export class OpsReplayGuard implements ReplayGuard {
  constructor(
    private readonly store: DocumentStore,
    private readonly tableName: string,
  ) {}

  async firstUse(signature: string, validUntilMs: number): Promise<boolean> {
    try {
      await this.store.put({
        TableName: this.tableName,
        Item: { pk: `trackier#sig#${signature.toLowerCase()}`, sk: 'seen', expiresAt: Math.ceil(validUntilMs / 1000) + 60 },
        ConditionExpression: 'attribute_not_exists(pk)',
      });
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }
}

/**
 * The rate-limit key of a source address. An IPv6 client usually holds a whole /64, so it counts
 * as one address (otherwise it could rotate through 2^64 of them).
 */
export function addressKey(sourceIp: string | undefined): string {
  const ip = (sourceIp ?? '').trim();
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  return `${expandIPv6(ip).slice(0, 4).join(':')}::/64`;
}

function expandIPv6(ip: string): string[] {
  const [head = '', tail] = ip.split('::') as [string, string | undefined];
  const parts = (s: string) => (s ? s.split(':') : []);
  const left = parts(head);
  const right = tail === undefined ? [] : parts(tail);
  const missing = 8 - left.length - right.length;
  const groups = tail === undefined ? left : [...left, ...Array.from({ length: Math.max(0, missing) }, () => '0'), ...right];
  return groups.map((g) => (g.includes('.') ? g : g.toLowerCase().replace(/^0+(?=.)/, '')));
}
