/**
 * The decisions of the aggregator's exactly-once protocol (see aggregator.ts), pure: what to do
 * with an event given what an earlier attempt left behind. No I/O; the store reads the evidence.
 */
import { aggregateKey, tokenAttr } from './keys';

/** What an earlier attempt wrote on an event's raw item. */
export interface RawClaim {
  readonly pk: string;
  /** The batch token T′ of the attempt that wrote it. */
  readonly claim?: string;
  /** When T′ wrote it (epoch ms). */
  readonly claimedAt?: number;
  /** The aggregate item T′ was to add the event to. */
  readonly aggPk?: string;
  readonly aggSk?: string;
}

/** What the store found about the claims' tokens. */
export interface CountEvidence {
  /** Aggregate items by `aggregateKey`, with whichever tok_* attributes asked for that they carry. */
  readonly aggregates: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  /** The groups each token's aggdone marker lists (absent: no marker). */
  readonly doneGroups: ReadonlyMap<string, ReadonlySet<string>>;
}

export type ClaimDecision =
  /** No earlier attempt: write and count it. */
  | { readonly action: 'count' }
  /** An earlier attempt counted it: skip. */
  | { readonly action: 'duplicate' }
  /** An earlier attempt stored it but may still be running: hand it back to SQS. */
  | { readonly action: 'in_flight' }
  /** An earlier attempt stored it, surely died, and did not count it: count it now. */
  | { readonly action: 'recover'; readonly previousClaim?: string };

/** The claims whose tokens must be checked, and the aggregate keys and tokens to read for it. */
export function claimCheck(claims: readonly RawClaim[]): {
  readonly checkable: RawClaim[];
  readonly tokens: string[];
  readonly aggregateKeys: { pk: string; sk: string }[];
} {
  const checkable = claims.filter((c) => c.claim && c.aggPk && c.aggSk);
  const tokens = [...new Set(checkable.map((c) => c.claim!))];
  const keys = new Map(checkable.map((c) => [aggregateKey(c.aggPk!, c.aggSk!), { pk: c.aggPk!, sk: c.aggSk! }]));
  return { checkable, tokens, aggregateKeys: [...keys.values()] };
}

/**
 * Was the claim's token added into its aggregate? Yes iff the aggregate item still carries tok_T′,
 * or T′'s done marker lists the aggregate (written before tok_T′ may be removed).
 */
export function wasCounted(claim: RawClaim, evidence: CountEvidence): boolean {
  if (!claim.claim || !claim.aggPk || !claim.aggSk) return false;
  const key = aggregateKey(claim.aggPk, claim.aggSk);
  return evidence.aggregates.get(key)?.[tokenAttr(claim.claim)] !== undefined || evidence.doneGroups.get(claim.claim)?.has(key) === true;
}

/**
 * The decision for one event. `claim` absent: new. Counted: duplicate. Otherwise re-count it, but
 * only once its claim is older than `graceMs` (≥ the function timeout, so T′ is surely over).
 */
export function decideClaim(claim: RawClaim | undefined, counted: boolean, now: number, graceMs: number): ClaimDecision {
  if (!claim) return { action: 'count' };
  if (counted) return { action: 'duplicate' };
  if (claim.claimedAt !== undefined && now - claim.claimedAt < graceMs) return { action: 'in_flight' };
  return claim.claim ? { action: 'recover', previousClaim: claim.claim } : { action: 'recover' };
}
