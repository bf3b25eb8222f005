// The release path of the lease pool: one conditional write puts the IP into its cooldown and
// counts the outcome (the proxy failure that reaches the threshold marks it unhealthy); a failed
// condition tells a lost lease from one already released.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { LeaseConfigError } from './errors';
import { RELEASE_OUTCOMES, type ReleaseOutcome } from './ip-item';
import { conditionalWrite } from '../shared/conditional-write';
import type { LeasePoolConfig } from './lease-config';
import type { Lease, LeasePool, LeasePoolDeps, ReleaseResult } from './lease-pool';

export function releasePath(deps: LeasePoolDeps, cfg: Required<LeasePoolConfig>): LeasePool['release'] {
  const { doc, tables, clock } = deps;

  /** Why a release condition failed, from the item as it was. */
  function lostOrReleased(old: Readonly<Record<string, unknown>> | undefined, leaseId: string): ReleaseResult | undefined {
    // Released, and already handed on to a waiting trace (a new leaseId): a retried release.
    if (old?.lastReleasedLeaseId === leaseId) return { released: false, reason: 'already_released' };
    if (!old || old.leaseId !== leaseId) return { released: false, reason: 'lease_lost' };
    if (old.leaseOwner === undefined) return { released: false, reason: 'already_released' };
    return undefined; // still ours: the condition failed on something else
  }

  async function release(lease: Pick<Lease, 'ipId' | 'leaseId'>, outcome: ReleaseOutcome): Promise<ReleaseResult> {
    if (!RELEASE_OUTCOMES.includes(outcome)) throw new LeaseConfigError(`release: unknown outcome '${String(outcome)}'`);
    const now = clock();
    const base = {
      TableName: tables.ipPool,
      Key: { ipId: lease.ipId },
      ReturnValues: 'ALL_NEW' as const,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
    const owned = 'leaseId = :leaseId AND attribute_exists(leaseOwner)';
    const common = 'lastReleasedAt = :now, lastOutcome = :outcome, lastReleasedLeaseId = :leaseId';
    const values = { ':leaseId': lease.leaseId, ':now': now, ':outcome': outcome, ':one': 1 };

    // A failed condition brings the item as it was (ALL_OLD): it tells a lost lease from a released one.
    const send = (input: { ConditionExpression: string; UpdateExpression: string; ExpressionAttributeValues: Record<string, unknown> }) =>
      conditionalWrite(() => doc.send(new UpdateCommand({ ...base, ...input })));

    const markUnhealthy = async (): Promise<ReleaseResult> => {
      const res = await send({
        ConditionExpression: owned,
        UpdateExpression: `SET ${common}, healthy = :false, unhealthySince = :now REMOVE availableAt, leaseOwner ADD failureCount :one, consecutiveFailures :one`,
        ExpressionAttributeValues: { ...values, ':false': false },
      });
      if (!res.ok) return lostOrReleased(res.old, lease.leaseId) ?? { released: false, reason: 'lease_lost' };
      return { released: true, markedUnhealthy: true };
    };

    let res: Awaited<ReturnType<typeof send>>;
    const cooling = { ...values, ':cooldownEnd': now + cfg.cooldownMs };
    const release = `SET ${common}, availableAt = :cooldownEnd`;
    if (outcome === 'success') {
      res = await send({
        ConditionExpression: owned,
        UpdateExpression: `${release}, consecutiveFailures = :zero REMOVE leaseOwner ADD successCount :one`,
        ExpressionAttributeValues: { ...cooling, ':zero': 0 },
      });
    } else if (outcome === 'proxy_failure') {
      if (cfg.unhealthyAfter === 1) return markUnhealthy();
      // Below the threshold: count it and cool down. At the threshold the condition fails and the
      // item tells us it is still ours: then mark it unhealthy (each path is one atomic write).
      res = await send({
        ConditionExpression: `${owned} AND (attribute_not_exists(consecutiveFailures) OR consecutiveFailures < :lastTolerated)`,
        UpdateExpression: `${release} REMOVE leaseOwner ADD failureCount :one, consecutiveFailures :one`,
        ExpressionAttributeValues: { ...cooling, ':lastTolerated': cfg.unhealthyAfter - 1 },
      });
      if (!res.ok) return lostOrReleased(res.old, lease.leaseId) ?? markUnhealthy();
    } else {
      // Offer and network failures say nothing about the proxy: no effect on health.
      res = await send({
        ConditionExpression: owned,
        UpdateExpression: `${release} REMOVE leaseOwner ADD otherFailureCount :one`,
        ExpressionAttributeValues: cooling,
      });
    }
    if (!res.ok) return lostOrReleased(res.old, lease.leaseId) ?? { released: false, reason: 'lease_lost' };

    if (res.value.Attributes?.enabled === false) {
      // Disabled while leased: now that it is released, take it out of the index.
      await send({
        ConditionExpression: 'leaseId = :leaseId AND enabled = :false AND attribute_not_exists(leaseOwner)',
        UpdateExpression: 'REMOVE availableAt',
        ExpressionAttributeValues: { ':leaseId': lease.leaseId, ':false': false },
      });
      return { released: true, markedUnhealthy: false };
    }
    return { released: true, markedUnhealthy: false };
  }

  return release;
}
