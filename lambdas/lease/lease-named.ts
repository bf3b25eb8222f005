/**
 * Leasing one named IP, whatever its country: for an operator's probe of that IP (ips test), not
 * for traces, which ask for a country. The same conditional write as a trace's grant, so a probe
 * never shares an IP with a trace: an IP that is leased, cooling down, unhealthy or disabled is
 * left alone, and the answer says which.
 */
import { v7 as uuidv7 } from 'uuid';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { conditionalWrite } from '../shared/conditional-write';
import { ipState, type IpItem, type IpState } from './ip-item';
import { toLease } from './lease-acquire';
import type { LeasePoolConfig } from './lease-config';
import type { Lease, LeasePoolDeps } from './lease-pool';

export type NamedLease = { readonly lease: Lease } | { readonly busy: Exclude<IpState, 'available'> | 'not_found' };

export function namedLeasePath(deps: LeasePoolDeps, cfg: Required<LeasePoolConfig>) {
  const { doc, tables, clock } = deps;

  /** Leases `ipId` to `owner` if it is available now. */
  async function leaseIp(ipId: string, owner: string): Promise<NamedLease> {
    const now = clock();
    const written = await conditionalWrite(() =>
      doc.send(
        new UpdateCommand({
          TableName: tables.ipPool,
          Key: { ipId },
          ConditionExpression: 'attribute_exists(ipId) AND availableAt <= :now AND healthy = :true AND enabled = :true',
          UpdateExpression: 'SET availableAt = :expires, leaseOwner = :owner, leaseId = :leaseId, lastUsedAt = :now ADD fence :one',
          ExpressionAttributeValues: { ':now': now, ':true': true, ':expires': now + cfg.leaseMs, ':owner': owner, ':leaseId': uuidv7(), ':one': 1 },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    if (written.ok) return { lease: toLease(written.value.Attributes as Partial<IpItem>, owner) };
    const old = written.old as Pick<IpItem, 'enabled' | 'healthy' | 'availableAt' | 'leaseOwner'> | undefined;
    if (!old) return { busy: 'not_found' };
    const state = ipState(old, now);
    // Available by its state but the condition failed: it changed in between; report it as leased.
    return { busy: state === 'available' ? 'leased' : state };
  }

  return { leaseIp };
}
