import { ipState, isExpiredLease } from '../../../lambdas/lease/ip-item';
import { resolveLeaseConfig } from '../../../lambdas/lease/lease-pool';
import { LeaseConfigError } from '../../../lambdas/lease/errors';

const base = { enabled: true, healthy: true };
test.each([
  [{ ...base, availableAt: 100 }, 'available', false],
  [{ ...base, availableAt: 101, leaseOwner: 't' }, 'leased', false],
  [{ ...base, availableAt: 100, leaseOwner: 't' }, 'available', true],
  [{ ...base, availableAt: 150 }, 'cooldown', false],
  [{ ...base, healthy: false }, 'unhealthy', false],
  [{ ...base, enabled: false, availableAt: 150, leaseOwner: 't' }, 'disabled', false],
])('%j at 100 is %s (expired lease: %s)', (item, state, expired) => {
  expect(ipState(item, 100)).toBe(state);
  expect(isExpiredLease(item, 100)).toBe(expired);
});

test('lease config: leaseMs is required, the rest have documented defaults', () => {
  expect(resolveLeaseConfig({ leaseMs: 90_000 })).toEqual({
    leaseMs: 90_000,
    cooldownMs: 60_000,
    unhealthyAfter: 3,
    candidates: 40,
    countryListTtlMs: 60_000,
  });
  expect(() => resolveLeaseConfig({} as never)).toThrow(LeaseConfigError);
  expect(() => resolveLeaseConfig({ leaseMs: 1, unhealthyAfter: 0 })).toThrow(/unhealthyAfter/);
  expect(resolveLeaseConfig({ leaseMs: 1, cooldownMs: 0 }).cooldownMs).toBe(0);
});
