/**
 * The daily cleanup of the Ops table. DynamoDB TTL (attribute `expiresAt`) does most of the work;
 * what it does not do, and this job does:
 * - TTL deletes "typically within a few days" of expiry, and an expired item stays readable until
 *   then: partitions read by sort-key ranges (snapshots, alert history, webhook logs) would keep
 *   growing by days of dead items;
 * - items written without `expiresAt` (older code, manual fixes) or with a retention that has since
 *   been shortened are never deleted by TTL.
 * So for each known time-ordered partition, items whose sort key is older than the retention are
 * deleted explicitly, in bounded batches (a cap per run; the next run continues). Webhook logs have
 * a partition per offer, which no Query lists: they are found by a Scan that resumes from a cursor
 * when it hits its bound. Trace records are not touched: their TTL (TRACE_TTL_DAYS) is the whole
 * story. The reads and deletes go through a PruneStore (the Ops table: ops-table.ts).
 */
import { ALERT_TYPES } from './thresholds';
import { alertPk, RESOLVED_PREFIX, SNAPSHOT_PK } from './ops-table';

/** A partition whose sort keys are `<prefix><ISO time>…`: everything before the cutoff goes (Query). */
export interface PartitionTarget {
  readonly name: string;
  readonly pk: string;
  /** @default "" */
  readonly skPrefix?: string;
  readonly retentionDays: number;
}

/**
 * Items of one kind spread over many partitions (`<pkPrefix><something>`, sort key `<ISO time>…`,
 * attribute `type`): found by a Scan, resumed run after run from a cursor kept in Ops.
 */
export interface ScanTarget {
  readonly name: string;
  readonly pkPrefix: string;
  readonly itemType: string;
  readonly retentionDays: number;
}

export type PruneTarget = PartitionTarget | ScanTarget;

/**
 * Webhook logs, as the Trackier webhook writes them (OpsWebhookLog, lambdas/trackier/webhook.ts):
 * pk `webhook#<offerId>` (or `webhook#unrouted`), sk `<ISO time>#<random>`, type `trackier_webhook`.
 * One partition per offer, so no Query can list them all: the cleanup scans for them.
 */
export const WEBHOOK_LOG_PK_PREFIX = 'webhook#';
export const WEBHOOK_LOG_TYPE = 'trackier_webhook';

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
    { name: 'webhook logs', pkPrefix: WEBHOOK_LOG_PK_PREFIX, itemType: WEBHOOK_LOG_TYPE, retentionDays: retention.webhookLogs },
  ];
}

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}
/** Where a paged read resumes (opaque to the cleanup). */
export type PageCursor = Record<string, unknown>;
export interface KeyPage {
  readonly keys: ItemKey[];
  /** Absent: the read is complete. */
  readonly next?: PageCursor;
}

/** The reads and deletes of the cleanup. */
export interface PruneStore {
  /** One page (at most `limit`) of the partition's keys from its prefix up to the cutoff (inclusive). */
  partitionPage(target: PartitionTarget, cutoff: string, limit: number, from?: PageCursor): Promise<KeyPage>;
  /** One scan page of the target's items with a sort key before the cutoff. */
  scanPage(target: ScanTarget, cutoff: string, from?: PageCursor, pageItems?: number): Promise<KeyPage>;
  /** Deletes up to 25 keys; throws when some could not be deleted after retries. */
  deleteKeys(keys: readonly ItemKey[]): Promise<void>;
  /** Where the target's last unfinished scan stopped. */
  scanCursor(targetName: string): Promise<PageCursor | undefined>;
  /** Keeps where the scan stopped until expiresAt (epoch seconds); none: it finished. */
  saveScanCursor(targetName: string, cursor: PageCursor | undefined, expiresAt: number): Promise<void>;
}

export interface CleanupDeps {
  readonly store: PruneStore;
  readonly clock: () => number;
  /** Deletes per target per run. @default 2500 */
  readonly maxDeletesPerTarget?: number;
  /** Scan pages (up to 1 MB each) per scan target per run. @default 200 */
  readonly maxScanPages?: number;
  /** Items a Scan page evaluates. @default DynamoDB's page (1 MB) */
  readonly scanPageItems?: number;
}

export interface CleanupResult {
  readonly deleted: Record<string, number>;
  /** Targets that hit the cap: more remains for the next run. */
  readonly incomplete: string[];
}

async function deleteAll(deps: CleanupDeps, keys: readonly ItemKey[]): Promise<void> {
  for (let at = 0; at < keys.length; at += 25) await deps.store.deleteKeys(keys.slice(at, at + 25));
}

export async function pruneTarget(deps: CleanupDeps, target: PruneTarget): Promise<{ deleted: number; complete: boolean }> {
  return 'pkPrefix' in target ? pruneScanned(deps, target) : prunePartition(deps, target);
}

async function prunePartition(deps: CleanupDeps, target: PartitionTarget): Promise<{ deleted: number; complete: boolean }> {
  const cap = deps.maxDeletesPerTarget ?? 2500;
  const prefix = target.skPrefix ?? '';
  const cutoff = `${prefix}${new Date(deps.clock() - target.retentionDays * 86_400_000).toISOString()}`;
  let deleted = 0;
  let startKey: PageCursor | undefined;
  do {
    const page = await deps.store.partitionPage(target, cutoff, Math.min(100, cap - deleted), startKey);
    const keys = page.keys.filter((k) => k.sk < cutoff);
    await deleteAll(deps, keys);
    deleted += keys.length;
    startKey = page.next;
  } while (startKey && deleted < cap);
  return { deleted, complete: !startKey };
}

async function pruneScanned(deps: CleanupDeps, target: ScanTarget): Promise<{ deleted: number; complete: boolean }> {
  const cap = deps.maxDeletesPerTarget ?? 2500;
  const maxPages = deps.maxScanPages ?? 200;
  const cutoff = new Date(deps.clock() - target.retentionDays * 86_400_000).toISOString();
  let startKey = await deps.store.scanCursor(target.name);
  let deleted = 0;
  let pages = 0;
  do {
    const page = await deps.store.scanPage(target, cutoff, startKey, deps.scanPageItems);
    await deleteAll(deps, page.keys);
    deleted += page.keys.length;
    startKey = page.next;
    pages++;
  } while (startKey && deleted < cap && pages < maxPages);
  // Resume there next run; a finished scan starts from the beginning again.
  await deps.store.saveScanCursor(target.name, startKey, Math.floor(deps.clock() / 1000) + 7 * 86_400);
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
