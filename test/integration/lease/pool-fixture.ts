/** A lease pool on fresh tables in the run's DynamoDB Local, driven by a fake clock. */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { freshTables, localDynamo } from '../../support/local-endpoints';
import { createLeasePool, FREE_INDEX, type LeasePoolConfig } from '../../../lambdas/lease/lease-pool';
import { createPoolAdmin } from '../../../lambdas/lease/pool-admin';
import { upsertIps } from '../../../lambdas/lease/ip-import';
import { deriveIpId, type IpRecord } from '../../../lambdas/lease/ip-records';

export const T0 = 1_800_000_000_000;

export async function poolFixture(label: string, config: LeasePoolConfig, clockFn?: () => number) {
  const names = await freshTables(label);
  const { client, doc } = localDynamo();
  let now = T0;
  const clock = clockFn ?? (() => now);
  const tables = { ipPool: names.IpPool, ops: names.Ops };
  const deps = { doc, tables, clock };
  const pool = createLeasePool(deps, config);
  const admin = createPoolAdmin(deps);

  const record = (i: number, country = 'us', provider = 'luna'): IpRecord => {
    const host = `10.${country.charCodeAt(0)}.${country.charCodeAt(1)}.${i}`;
    return { ipId: deriveIpId(provider, host, 7000), host, port: 7000, country, provider, enabled: true };
  };
  return {
    doc,
    tables,
    pool,
    admin,
    deps,
    advance: (ms: number) => (now += ms),
    now: () => now,
    record,
    async seed(count: number, country = 'us'): Promise<IpRecord[]> {
      const records = Array.from({ length: count }, (_, i) => record(i + 1, country));
      await upsertIps(deps, records);
      return records;
    },
    async item(ipId: string): Promise<Record<string, unknown>> {
      const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
      const got = await doc.send(new GetCommand({ TableName: tables.ipPool, Key: { ipId }, ConsistentRead: true }));
      return got.Item ?? {};
    },
    /** ipIds the sparse `free` index holds for a country (whatever their availableAt). */
    async indexed(country: string): Promise<string[]> {
      const res = await doc.send(
        new QueryCommand({
          TableName: tables.ipPool,
          IndexName: FREE_INDEX,
          KeyConditionExpression: 'country = :c',
          ExpressionAttributeValues: { ':c': country },
        }),
      );
      return (res.Items ?? []).map((i) => String(i.ipId)).sort();
    },
    close: () => client.destroy(),
  };
}
export type PoolFixture = Awaited<ReturnType<typeof poolFixture>>;

/** Counts DynamoDB requests by command name (to see what an acquire costs). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- the SDK's overloaded middlewareStack.add fits no narrower signature
export function countRequests(doc: { middlewareStack: { add: Function } }): Map<string, number> {
  const counts = new Map<string, number>();
  doc.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => {
      const name = context.commandName ?? '?';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return counts;
}
