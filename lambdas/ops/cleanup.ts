/**
 * The daily cleanup of the Ops table. DynamoDB TTL (attribute `expiresAt`) does most of the work;
 * what it does not do, and this job does:
 * - TTL deletes "typically within a few days" of expiry, and an expired item stays readable until
 *   then: partitions read by sort-key ranges (snapshots, alert history, webhook logs) would keep
 *   growing by days of dead items;
 * - items written without `expiresAt` (older code, manual fixes) or with a retention that has since
 *   been shortened are never deleted by TTL.
 * So for each known time-ordered partition, items whose sort key is older than the retention are
 * deleted explicitly, in bounded batches (25 per BatchWriteItem, a cap per run; the next run
 * continues). Trace records are not touched: their TTL (TRACE_TTL_DAYS) is the whole story.
 */
import { BatchWriteCommand, type BatchWriteCommandOutput, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ALERT_TYPES } from './thresholds';
import { alertPk, RESOLVED_PREFIX } from './alerts';
import { SNAPSHOT_PK } from './pool-snapshot';

/** A partition whose sort keys are `<prefix><ISO time>…`: everything before the cutoff goes. */
export interface PruneTarget {
  readonly name: string;
  readonly pk: string;
  /** @default "" */
  readonly skPrefix?: string;
  readonly retentionDays: number;
}

/**
 * Webhook logs (the Trackier capability): pk `webhooklog`, sk `<ISO time>#<id>`. Kept here so the
 * writer and the cleanup agree; a capability that logs elsewhere adds its own target.
 */
export const WEBHOOK_LOG_PK = 'webhooklog';

export interface RetentionDays {
  /** @default 7 */
  readonly snapshots: number;
  /** @default 30 */
  readonly alerts: number;
  /** @default 14 */
  readonly webhookLogs: number;
}
export const DEFAULT_RETENTION: RetentionDays = { snapshots: 7, alerts: 30, webhookLogs: 14 };

export function defaultPruneTargets(retention: RetentionDays = DEFAULT_RETENTION): PruneTarget[] {
  return [
    { name: 'pool snapshots', pk: SNAPSHOT_PK, retentionDays: retention.snapshots },
    ...ALERT_TYPES.map((t) => ({ name: `alert history ${t}`, pk: alertPk(t), skPrefix: RESOLVED_PREFIX, retentionDays: retention.alerts })),
    { name: 'webhook logs', pk: WEBHOOK_LOG_PK, retentionDays: retention.webhookLogs },
  ];
}

export interface CleanupDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly opsTable: string;
  readonly clock: () => number;
  /** Deletes per target per run. @default 2500 */
  readonly maxDeletesPerTarget?: number;
}

export interface CleanupResult {
  readonly deleted: Record<string, number>;
  /** Targets that hit the cap: more remains for the next run. */
  readonly incomplete: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function deleteBatch(deps: CleanupDeps, keys: { pk: string; sk: string }[]): Promise<void> {
  let requests: NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>[string] | undefined = keys.map((Key) => ({ DeleteRequest: { Key } }));
  for (let attempt = 0; requests?.length; attempt++) {
    if (attempt >= 8) throw new Error(`cleanup: ${requests.length} deletes still unprocessed after retries`);
    if (attempt) await sleep(50 * 2 ** attempt);
    const out: BatchWriteCommandOutput = await deps.doc.send(new BatchWriteCommand({ RequestItems: { [deps.opsTable]: requests } }));
    requests = out.UnprocessedItems?.[deps.opsTable];
  }
}

export async function pruneTarget(deps: CleanupDeps, target: PruneTarget): Promise<{ deleted: number; complete: boolean }> {
  const cap = deps.maxDeletesPerTarget ?? 2500;
  const prefix = target.skPrefix ?? '';
  const cutoff = `${prefix}${new Date(deps.clock() - target.retentionDays * 86_400_000).toISOString()}`;
  let deleted = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.doc.send(
      new QueryCommand({
        TableName: deps.opsTable,
        // Key values cannot be empty strings: without a prefix, a plain upper bound.
        KeyConditionExpression: prefix ? 'pk = :pk AND sk BETWEEN :from AND :to' : 'pk = :pk AND sk < :to',
        ExpressionAttributeValues: { ':pk': target.pk, ':to': cutoff, ...(prefix ? { ':from': prefix } : {}) },
        ProjectionExpression: 'pk, sk',
        Limit: Math.min(100, cap - deleted),
        ExclusiveStartKey: startKey,
      }),
    );
    const keys = (page.Items ?? []).map((i) => ({ pk: String(i.pk), sk: String(i.sk) })).filter((k) => k.sk < cutoff);
    for (let at = 0; at < keys.length; at += 25) await deleteBatch(deps, keys.slice(at, at + 25));
    deleted += keys.length;
    startKey = page.LastEvaluatedKey;
  } while (startKey && deleted < cap);
  return { deleted, complete: !startKey };
}

export async function runCleanup(deps: CleanupDeps, targets: readonly PruneTarget[] = defaultPruneTargets()): Promise<CleanupResult> {
  const deleted: Record<string, number> = {};
  const incomplete: string[] = [];
  for (const target of targets) {
    const r = await pruneTarget(deps, target);
    deleted[target.name] = r.deleted;
    if (!r.complete) incomplete.push(target.name);
  }
  return { deleted, incomplete };
}
