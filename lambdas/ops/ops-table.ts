/**
 * The Ops table behind the operations rules' ports: alerts (alerts.ts), drift state
 * (trace-drift.ts), pool snapshots (pool-snapshot.ts). Key layout:
 * - open alert:      pk `alert#<type>`, sk `open` (no TTL: it lives until resolved)
 * - resolved alert:  pk `alert#<type>`, sk `resolved#<resolvedAt ISO>`, TTL `expiresAt`
 * - drift state:     pk `drift#<offerId>`, sk `fingerprint`
 * - pool snapshot:   pk `poolstats`, sk `<ISO time>`, TTL `expiresAt`
 * - cleanup cursor:  pk `cleanup#cursor`, sk `<target name>`, TTL `expiresAt`
 * - offer resolution history: pk `history#<offerId>`, sk `<firstSeen ISO>#<key>`, TTL `expiresAt`
 *   (written by StoreResult, read by AdminOffers: offers/offer-history-store.ts)
 * and the cleanup's deletes (cleanup.ts).
 * A write whose condition fails answers false (or undefined), never throws.
 */
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  DeleteCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { unlessConditionFails } from '../shared/conditional-write';
import { ALERT_TYPES, type AlertType } from './thresholds';
import type { AlertFields, AlertRef, AlertStore, OpenAlert, ResolvedAlert } from './alerts';
import type { DriftState, DriftStore } from './trace-drift';
import type { PoolSnapshot, SnapshotStore } from './pool-snapshot';
import type { ItemKey, KeyPage, PruneStore } from './cleanup';

export const alertPk = (type: AlertType) => `alert#${type}`;
export const OPEN_SK = 'open';
export const RESOLVED_PREFIX = 'resolved#';
export const SNAPSHOT_PK = 'poolstats';
/** Where a cleanup scan that hit its bound resumes on the next run. */
export const CLEANUP_CURSOR_PK = 'cleanup#cursor';
export const driftKey = (offerId: string) => ({ pk: `drift#${offerId}`, sk: 'fingerprint' });

export interface OpsTable {
  readonly doc: DynamoDBDocumentClient;
  readonly opsTable: string;
}

/** Up to 100 keys per call, unprocessed ones retried a few times. */
async function batchGet(t: OpsTable, keys: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  for (let at = 0; at < keys.length; at += 100) {
    let batch: Record<string, unknown>[] | undefined = keys.slice(at, at + 100);
    for (let attempt = 0; batch?.length && attempt < 5; attempt++) {
      const out: BatchGetCommandOutput = await t.doc.send(new BatchGetCommand({ RequestItems: { [t.opsTable]: { Keys: batch } } }));
      found.push(...(out.Responses?.[t.opsTable] ?? []));
      batch = out.UnprocessedKeys?.[t.opsTable]?.Keys;
    }
  }
  return found;
}

const alertKey = (ref: AlertRef) => ({ pk: alertPk(ref.type), sk: ref.resolvedAt ? `${RESOLVED_PREFIX}${ref.resolvedAt}` : OPEN_SK });

export function dynamoAlertStore(t: OpsTable): AlertStore {
  const { doc, opsTable: TableName } = t;
  const resolved = async (type: AlertType, limit: number, unannounced: boolean) =>
    ((
      await doc.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
          ...(unannounced ? { FilterExpression: 'attribute_not_exists(publishedAt)' } : {}),
          ExpressionAttributeValues: { ':pk': alertPk(type), ':r': RESOLVED_PREFIX },
          ScanIndexForward: false,
          Limit: limit,
        }),
      )
    ).Items ?? []) as ResolvedAlert[];

  return {
    async open(alert) {
      const created = await unlessConditionFails(() =>
        doc.send(new PutCommand({ TableName, Item: { ...alertKey(alert), ...alert }, ConditionExpression: 'attribute_not_exists(pk)' })),
      );
      return created !== undefined;
    },
    async refresh(type: AlertType, f: AlertFields) {
      const updated = await unlessConditionFails(() =>
        doc.send(
          new UpdateCommand({
            TableName,
            Key: alertKey({ type }),
            UpdateExpression: 'SET severity = :sev, message = :msg, recommendation = :rec, #v = :val, threshold = :thr, lastSeenAt = :now',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#v': 'value' },
            ExpressionAttributeValues: { ':sev': f.severity, ':msg': f.message, ':rec': f.recommendation, ':val': f.value, ':thr': f.threshold, ':now': f.lastSeenAt },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return updated?.Attributes as OpenAlert | undefined;
    },
    async close(type) {
      const deleted = await unlessConditionFails(() =>
        doc.send(new DeleteCommand({ TableName, Key: alertKey({ type }), ConditionExpression: 'attribute_exists(pk)', ReturnValues: 'ALL_OLD' })),
      );
      return deleted?.Attributes as OpenAlert | undefined;
    },
    async addResolved(alert, expiresAt) {
      await unlessConditionFails(() =>
        doc.send(new PutCommand({ TableName, Item: { ...alert, ...alertKey(alert), expiresAt }, ConditionExpression: 'attribute_not_exists(pk)' })),
      );
    },
    unannounced: (type, limit) => resolved(type, limit, true),
    history: (type, limit) => resolved(type, limit, false),
    async claimAnnouncement(ref, at) {
      const claimed = await unlessConditionFails(() =>
        doc.send(
          new UpdateCommand({
            TableName,
            Key: alertKey(ref),
            UpdateExpression: 'SET publishedAt = :now',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(publishedAt)',
            ExpressionAttributeValues: { ':now': at },
          }),
        ),
      );
      return claimed !== undefined;
    },
    async releaseAnnouncement(ref, at) {
      await unlessConditionFails(() =>
        doc.send(
          new UpdateCommand({
            TableName,
            Key: alertKey(ref),
            UpdateExpression: 'REMOVE publishedAt',
            ConditionExpression: 'publishedAt = :now',
            ExpressionAttributeValues: { ':now': at },
          }),
        ),
      );
    },
    async allOpen() {
      return (await batchGet(
        t,
        ALERT_TYPES.map((type) => alertKey({ type })),
      )) as unknown as OpenAlert[];
    },
  };
}

export function dynamoDriftStore(t: OpsTable): DriftStore {
  return {
    async load(offerIds) {
      const states = new Map<string, DriftState>();
      for (const item of await batchGet(t, offerIds.map(driftKey))) states.set(String(item.offerId), item.state as DriftState);
      return states;
    },
    async store(offerId, next, previous, now) {
      const stored = await unlessConditionFails(() =>
        t.doc.send(
          new PutCommand({
            TableName: t.opsTable,
            Item: { ...driftKey(offerId), offerId, state: next, updatedAt: now },
            ...(previous
              ? { ConditionExpression: '#s.#v = :v', ExpressionAttributeNames: { '#s': 'state', '#v': 'version' }, ExpressionAttributeValues: { ':v': previous.version } }
              : { ConditionExpression: 'attribute_not_exists(pk)' }),
          }),
        ),
      );
      return stored !== undefined;
    },
  };
}

export function dynamoSnapshotStore(t: OpsTable): SnapshotStore {
  return {
    async put(snapshot, expiresAt) {
      await t.doc.send(new PutCommand({ TableName: t.opsTable, Item: { pk: SNAPSHOT_PK, sk: snapshot.at, ...snapshot, expiresAt } }));
    },
    since(sinceMs, now, cap) {
      return snapshotsIn(t, { from: new Date(sinceMs).toISOString(), newestFirst: true }, now, cap);
    },
    between(fromMs, toMs, now, cap) {
      return snapshotsIn(t, { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), newestFirst: false }, now, cap);
    },
  };
}

/** Snapshots by their time keys (ISO strings sort as times), skipping expired ones TTL has not yet deleted. */
async function snapshotsIn(t: OpsTable, range: { from: string; to?: string; newestFirst: boolean }, now: number, cap: number): Promise<PoolSnapshot[]> {
  const out: PoolSnapshot[] = [];
  let startKey: Record<string, unknown> | undefined;
  const nowSeconds = Math.floor(now / 1000);
  do {
    const page = await t.doc.send(
      new QueryCommand({
        TableName: t.opsTable,
        KeyConditionExpression: range.to ? 'pk = :pk AND sk BETWEEN :from AND :to' : 'pk = :pk AND sk >= :from',
        ExpressionAttributeValues: { ':pk': SNAPSHOT_PK, ':from': range.from, ...(range.to ? { ':to': range.to } : {}) },
        ScanIndexForward: !range.newestFirst,
        Limit: cap - out.length,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      if (typeof item.expiresAt === 'number' && item.expiresAt < nowSeconds) continue;
      const { pk: _pk, sk: _sk, expiresAt: _e, ...snapshot } = item;
      out.push(snapshot as PoolSnapshot);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey && out.length < cap);
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const keysOf = (items: Record<string, unknown>[] | undefined): ItemKey[] => (items ?? []).map((i) => ({ pk: String(i.pk), sk: String(i.sk) }));

export function dynamoPruneStore(t: OpsTable): PruneStore {
  const { doc, opsTable: TableName } = t;
  const cursorKey = (name: string) => ({ pk: CLEANUP_CURSOR_PK, sk: name });
  return {
    async partitionPage(target, cutoff, limit, from): Promise<KeyPage> {
      const prefix = target.skPrefix ?? '';
      const page = await doc.send(
        new QueryCommand({
          TableName,
          // Key values cannot be empty strings: without a prefix, a plain upper bound.
          KeyConditionExpression: prefix ? 'pk = :pk AND sk BETWEEN :from AND :to' : 'pk = :pk AND sk < :to',
          ExpressionAttributeValues: { ':pk': target.pk, ':to': cutoff, ...(prefix ? { ':from': prefix } : {}) },
          ProjectionExpression: 'pk, sk',
          Limit: limit,
          ExclusiveStartKey: from,
        }),
      );
      return { keys: keysOf(page.Items), ...(page.LastEvaluatedKey ? { next: page.LastEvaluatedKey } : {}) };
    },
    async scanPage(target, cutoff, from, pageItems): Promise<KeyPage> {
      const page = await doc.send(
        new ScanCommand({
          TableName,
          // The type check keeps anything else that happens to share the prefix out of reach.
          FilterExpression: 'begins_with(pk, :prefix) AND #type = :type AND sk < :cutoff',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: { ':prefix': target.pkPrefix, ':type': target.itemType, ':cutoff': cutoff },
          ProjectionExpression: 'pk, sk',
          ExclusiveStartKey: from,
          ...(pageItems ? { Limit: pageItems } : {}),
        }),
      );
      return { keys: keysOf(page.Items), ...(page.LastEvaluatedKey ? { next: page.LastEvaluatedKey } : {}) };
    },
    async deleteKeys(keys) {
      let requests: NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>[string] | undefined = keys.map((Key) => ({ DeleteRequest: { Key } }));
      for (let attempt = 0; requests?.length; attempt++) {
        if (attempt >= 8) throw new Error(`cleanup: ${requests.length} deletes still unprocessed after retries`);
        if (attempt) await sleep(50 * 2 ** attempt);
        const out: BatchWriteCommandOutput = await doc.send(new BatchWriteCommand({ RequestItems: { [TableName]: requests } }));
        requests = out.UnprocessedItems?.[TableName];
      }
    },
    async scanCursor(name) {
      const { pk, sk } = cursorKey(name);
      const saved = await doc.send(new QueryCommand({ TableName, KeyConditionExpression: 'pk = :pk AND sk = :sk', ExpressionAttributeValues: { ':pk': pk, ':sk': sk } }));
      return saved.Items?.[0]?.startKey as Record<string, unknown> | undefined;
    },
    async saveScanCursor(name, cursor, expiresAt) {
      const write = cursor ? { PutRequest: { Item: { ...cursorKey(name), startKey: cursor, expiresAt } } } : { DeleteRequest: { Key: cursorKey(name) } };
      await doc.send(new BatchWriteCommand({ RequestItems: { [TableName]: [write] } }));
    },
  };
}
