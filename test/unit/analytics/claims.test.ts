/** The exactly-once protocol's decisions, without a table: what an earlier attempt's traces mean. */
import { claimCheck, decideClaim, wasCounted, type CountEvidence, type RawClaim } from '../../../lambdas/analytics/claims';
import { aggregateKey, tokenAttr } from '../../../lambdas/analytics/keys';

const NOW = Date.UTC(2026, 10, 23, 12);
const GRACE = 120_000;
const agg = { aggPk: 'agg#acct#c#u', aggSk: 'hour#2026-11-23T12' };
const key = aggregateKey(agg.aggPk, agg.aggSk);
const claim = (over: Partial<RawClaim> = {}): RawClaim => ({ pk: 'event#e1', claim: 'T1', claimedAt: NOW - 10 * 60_000, ...agg, ...over });
const evidence = (over: Partial<CountEvidence> = {}): CountEvidence => ({ aggregates: new Map(), doneGroups: new Map(), ...over });

describe('decideClaim', () => {
  it('counts an event no attempt has stored', () => {
    expect(decideClaim(undefined, false, NOW, GRACE)).toEqual({ action: 'count' });
  });

  it('skips an event an earlier attempt counted, however recent its claim', () => {
    expect(decideClaim(claim(), true, NOW, GRACE)).toEqual({ action: 'duplicate' });
    expect(decideClaim(claim({ claimedAt: NOW - 1 }), true, NOW, GRACE)).toEqual({ action: 'duplicate' });
  });

  it('hands back an uncounted event whose claim may still be in flight', () => {
    expect(decideClaim(claim({ claimedAt: NOW - GRACE + 1 }), false, NOW, GRACE)).toEqual({ action: 'in_flight' });
  });

  it('recounts an uncounted event once its claim is older than the grace, over that claim', () => {
    expect(decideClaim(claim({ claimedAt: NOW - GRACE }), false, NOW, GRACE)).toEqual({ action: 'recover', previousClaim: 'T1' });
  });

  it('recounts a stored event that carries no claim time or no claim at all', () => {
    expect(decideClaim(claim({ claimedAt: undefined }), false, NOW, GRACE)).toEqual({ action: 'recover', previousClaim: 'T1' });
    expect(decideClaim(claim({ claim: undefined, claimedAt: undefined }), false, NOW, GRACE)).toEqual({ action: 'recover' });
  });
});

describe('wasCounted', () => {
  it('is true when the aggregate still carries the token', () => {
    expect(wasCounted(claim(), evidence({ aggregates: new Map([[key, { [tokenAttr('T1')]: NOW }]]) }))).toBe(true);
  });

  it("is true when the token's done marker lists the aggregate (the token may be gone)", () => {
    expect(wasCounted(claim(), evidence({ aggregates: new Map([[key, {}]]), doneGroups: new Map([['T1', new Set([key])]]) }))).toBe(true);
  });

  it('is false when neither proves it: another token, a marker for other groups, nothing', () => {
    expect(wasCounted(claim(), evidence({ aggregates: new Map([[key, { [tokenAttr('T2')]: NOW }]]) }))).toBe(false);
    expect(wasCounted(claim(), evidence({ doneGroups: new Map([['T1', new Set(['agg#other|hour#x'])]]) }))).toBe(false);
    expect(wasCounted(claim(), evidence())).toBe(false);
  });

  it('is false for a claim without token or aggregate (nothing to check)', () => {
    const full = evidence({ aggregates: new Map([[key, { [tokenAttr('T1')]: NOW }]]), doneGroups: new Map([['T1', new Set([key])]]) });
    expect(wasCounted(claim({ claim: undefined }), full)).toBe(false);
    expect(wasCounted(claim({ aggSk: undefined }), full)).toBe(false);
  });
});

describe('claimCheck', () => {
  it('reads each token and each aggregate once, and only for claims that can be checked', () => {
    const other = { aggPk: 'agg#acct#c#v', aggSk: 'hour#2026-11-23T11' };
    const check = claimCheck([
      claim({ pk: 'event#1' }),
      claim({ pk: 'event#2' }),
      claim({ pk: 'event#3', claim: 'T2', ...other }),
      claim({ pk: 'event#4', claim: undefined }),
    ]);
    expect(check.checkable.map((c) => c.pk)).toEqual(['event#1', 'event#2', 'event#3']);
    expect(check.tokens).toEqual(['T1', 'T2']);
    expect(check.aggregateKeys).toEqual([
      { pk: agg.aggPk, sk: agg.aggSk },
      { pk: other.aggPk, sk: other.aggSk },
    ]);
  });
});
