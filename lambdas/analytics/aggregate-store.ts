/**
 * The aggregator's DynamoDB I/O on the Analytics table: consistent batch reads and batch writes
 * with the unprocessed keys / items retried (exponential backoff with jitter), the conditional raw
 * put, and the conditional ADD of an aggregate item. Decisions live in aggregator.ts and claims.ts.
 */
import { BatchGetCommand, BatchWriteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../shared/dynamo-errors';
import { chunk, forEachLimited } from '../shared/concurrency';
import type { AggregateStore, AggregateUpdate, StoreItem } from './aggregator';
import type { CountEvidence, RawClaim } from './claims';
import { aggregateKey, doneKey, rawEventKey, tokenAttr } from './keys';

const BATCH_GET_MAX = 100;
const UNPROCESSED_ATTEMPTS = 6;

export class DynamoAggregateStore implements AggregateStore {
  constructor(
    private readonly doc: Pick<DynamoDBDocumentClient, 'send'>,
    /** The Analytics table. */
    private readonly tableName: string,
    /** Parallel BatchGetItem requests for one read. @default 4 */
    private readonly concurrency = 4,
  ) {}

  async readClaims(eventIds: readonly string[]): Promise<RawClaim[]> {
    const items = await this.batchGet(eventIds.map(rawEventKey), 'pk, claim, claimedAt, aggPk, aggSk');
    return items as unknown as RawClaim[];
  }

  async readEvidence(tokens: readonly string[], aggregateKeys: readonly { pk: string; sk: string }[]): Promise<CountEvidence> {
    const names: Record<string, string> = {};
    tokens.forEach((t, i) => (names[`#t${i}`] = tokenAttr(t)));
    const [aggs, dones] = await Promise.all([
      this.batchGet(aggregateKeys, ['pk', 'sk', ...Object.keys(names)].join(', '), names),
      this.batchGet(tokens.map(doneKey), 'pk, groups'),
    ]);
    return {
      aggregates: new Map(aggs.map((a) => [aggregateKey(a.pk as string, a.sk as string), a])),
      doneGroups: new Map(dones.flatMap((d) => (d.groups ? [[(d.pk as string).slice(doneKey('').pk.length), d.groups as Set<string>] as const] : []))),
    };
  }

  /** One BatchWriteItem (≤ 25 puts); returns the items still unprocessed after the retries. */
  async writeBatch<I extends StoreItem>(items: readonly I[]): Promise<I[]> {
    let pending = [...items];
    for (let attempt = 0; pending.length && attempt < UNPROCESSED_ATTEMPTS; attempt++) {
      if (attempt) await sleep(backoffMs(attempt));
      const res = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending.map((Item) => ({ PutRequest: { Item } })) } }));
      const left = new Set((res.UnprocessedItems?.[this.tableName] ?? []).map((r) => itemKey(r.PutRequest?.Item ?? {})));
      pending = pending.filter((i) => left.has(itemKey(i)));
    }
    return pending;
  }

  /**
   * A raw item written only over no item or over the claim `previousClaim`. 'lost_race': another
   * consumer holding the same message got there first.
   */
  async putRawConditional(item: StoreItem, previousClaim: string | undefined): Promise<'written' | 'lost_race'> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: previousClaim ? 'claim = :previous' : 'attribute_not_exists(pk)',
          ...(previousClaim ? { ExpressionAttributeValues: { ':previous': previousClaim } } : {}),
        }),
      );
      return 'written';
    } catch (error) {
      if (isConditionFailure(error)) return 'lost_race';
      throw error;
    }
  }

  async addToAggregate(u: AggregateUpdate): Promise<void> {
    const names: Record<string, string> = { '#tok': tokenAttr(u.token), '#req': 'requests', '#rev': 'revenue_cents' };
    u.removals.forEach((attr, i) => (names[`#r${i}`] = attr));
    const remove = u.removals.length ? ` REMOVE ${u.removals.map((_, i) => `#r${i}`).join(', ')}` : '';
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: u.pk, sk: u.sk },
          UpdateExpression: 'ADD impressions :i, clicks :c, #req :r, #rev :rv SET #tok = :now, accountId = :a, campaignId = :cid, adUnitId = :u, updatedAt = :now' + remove,
          ConditionExpression: 'attribute_not_exists(#tok)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ':i': u.impressions,
            ':c': u.clicks,
            ':r': u.requests,
            ':rv': u.revenueCents,
            ':now': u.now,
            ':a': u.accountId,
            ':cid': u.campaignId,
            ':u': u.adUnitId,
          },
        }),
      );
    } catch (error) {
      // tok_T already there: an SDK retry of a request that had in fact succeeded.
      if (!isConditionFailure(error)) throw error;
    }
  }

  private async batchGet(keys: readonly { pk: string; sk: string }[], projection: string, names?: Record<string, string>): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    await forEachLimited(chunk(keys, BATCH_GET_MAX), this.concurrency, async (part) => {
      let pending: Record<string, unknown>[] = part;
      for (let attempt = 0; pending.length; attempt++) {
        if (attempt >= UNPROCESSED_ATTEMPTS) throw new Error('BatchGetItem left keys unprocessed');
        if (attempt) await sleep(backoffMs(attempt));
        const res = await this.doc.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: { Keys: pending, ConsistentRead: true, ProjectionExpression: projection, ...(names ? { ExpressionAttributeNames: names } : {}) },
            },
          }),
        );
        out.push(...(res.Responses?.[this.tableName] ?? []));
        pending = res.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    });
    return out;
  }
}

const itemKey = (item: Record<string, unknown>) => aggregateKey(String(item.pk), String(item.sk));
const backoffMs = (attempt: number) => Math.min(1_000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
