// The pool's settings, checked once when the pool is made (a bad value fails at start-up, not on
// the first acquire).
import { LeaseConfigError } from './errors';

/**
 * What every function that leases or releases IPs assumes when the deployment sets nothing: the
 * trace pipeline's and the operator's probe (ips test) count failures alike only if they agree.
 */
export const LEASE_DEFAULTS = {
  /** TraceHttp + TraceBrowser + StoreResult task timeouts, plus a margin. */
  leaseMs: 150_000,
  cooldownMs: 60_000,
  unhealthyAfter: 3,
} as const;

export interface LeasePoolConfig {
  /** Lease length: trace timeout + margin. Required: there is no sensible universal default. */
  readonly leaseMs: number;
  /** @default 60000 */
  readonly cooldownMs?: number;
  /** Consecutive proxy failures that mark an IP unhealthy. @default 3 */
  readonly unhealthyAfter?: number;
  /**
   * How many of the longest-free IPs an acquire picks among: first the one its country ticket
   * points at, then at random. Concurrent acquires in one country all see the same longest-free
   * IPs; the ticket spreads them over this many, so each collision (a round trip) stays rare.
   * @default 40
   */
  readonly candidates?: number;
  /** How long the country list used by the any-country fallback is cached. @default 60000 */
  readonly countryListTtlMs?: number;
}

function positiveInt(name: string, value: number | undefined, fallback: number | undefined, min = 1): number {
  const v = value ?? fallback;
  if (v === undefined || !Number.isInteger(v) || v < min) {
    throw new LeaseConfigError(`${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return v;
}

export function resolveLeaseConfig(config: LeasePoolConfig): Required<LeasePoolConfig> {
  return {
    leaseMs: positiveInt('leaseMs', config.leaseMs, undefined),
    cooldownMs: positiveInt('cooldownMs', config.cooldownMs, LEASE_DEFAULTS.cooldownMs, 0),
    unhealthyAfter: positiveInt('unhealthyAfter', config.unhealthyAfter, LEASE_DEFAULTS.unhealthyAfter),
    candidates: positiveInt('candidates', config.candidates, 40),
    countryListTtlMs: positiveInt('countryListTtlMs', config.countryListTtlMs, 60_000, 0),
  };
}
