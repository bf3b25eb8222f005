/**
 * Failed URL2 updates awaiting retry, and the alerts of the ones that gave up, in the Ops table.
 *   pk sidefx#trackier-update, sk <traceId>   one per trace (a repeated failure of the same trace
 *                                              overwrites, never duplicates); `dueAt` says when
 *   pk alert#trackier_update_failed, sk <offerId>#pair#<nnn>   one open alert per pair (ADDed
 *                                              occurrences), for the operations monitor
 * The sideEffectId reported to callers is `trackier-update#<traceId>`.
 */
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditionalWrite } from '../shared/conditional-write';
import { pairSk } from './pair';

export const SIDE_EFFECT_PK = 'sidefx#trackier-update';
export const ALERT_PK = 'alert#trackier_update_failed';
export const sideEffectIdOf = (traceId: string): string => `trackier-update#${traceId}`;
export const traceIdOfSideEffect = (sideEffectId: string): string => sideEffectId.replace(/^trackier-update#/, '');

const DAY_S = 86_400;

export interface SideEffectError {
  readonly kind: string;
  readonly status?: number;
  readonly message: string;
}

export interface FailedUpdate {
  readonly traceId: string;
  readonly offerId: string;
  readonly pairNumber: number;
  readonly campaignId: string;
  readonly url: string;
  readonly values: Record<string, string>;
  /** The update's order (pair.ts updateOrderKey); absent on items written before updates had one. */
  readonly order?: string;
  /** 'pending' awaits a retry at dueAt; 'failed' gave up (final error or attempts exhausted). */
  readonly status: 'pending' | 'failed';
  /** Update attempts made so far (the task's own attempt is 1). */
  readonly attempts: number;
  readonly dueAt: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly lastError: SideEffectError;
}

export class SideEffectStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Days an item is kept (TTL) after its last change. @default 14 */
    private readonly retentionDays = 14,
  ) {}

  async put(record: FailedUpdate): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: SIDE_EFFECT_PK,
          sk: record.traceId,
          kind: 'trackier_update',
          ...record,
          expiresAt: Math.floor(record.updatedAt / 1000) + this.retentionDays * DAY_S,
        },
      }),
    );
  }

  async get(traceId: string): Promise<FailedUpdate | undefined> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: { ':pk': SIDE_EFFECT_PK, ':sk': traceId },
        ConsistentRead: true,
      }),
    );
    return out.Items?.[0] as FailedUpdate | undefined;
  }

  /** Pending items due at `now`, oldest first as stored (the partition holds only failures). */
  async due(now: number, limit: number): Promise<FailedUpdate[]> {
    const found: FailedUpdate[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          FilterExpression: '#status = :pending AND dueAt <= :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pk': SIDE_EFFECT_PK, ':pending': 'pending', ':now': now },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      found.push(...((out.Items ?? []) as FailedUpdate[]));
      start = out.LastEvaluatedKey;
    } while (start && found.length < limit);
    return found.slice(0, limit);
  }

  /** Claims a due item for one retry run: moves dueAt on, unless another run got there first. */
  async claim(item: FailedUpdate, now: number, holdMs: number): Promise<boolean> {
    const written = await conditionalWrite(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: SIDE_EFFECT_PK, sk: item.traceId },
          UpdateExpression: 'SET dueAt = :hold',
          ConditionExpression: '#status = :pending AND dueAt = :seen',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending', ':seen': item.dueAt, ':hold': now + holdMs },
        }),
      ),
    );
    return written.ok;
  }

  async remove(traceId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: SIDE_EFFECT_PK, sk: traceId } }));
  }

  /** Opens (or re-counts) the pair's alert. */
  async alert(record: FailedUpdate, now: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: ALERT_PK, sk: `${record.offerId}#${pairSk(record.pairNumber)}` },
        UpdateExpression:
          'SET #type = :type, severity = :sev, #status = :open, openedAt = if_not_exists(openedAt, :now), lastSeenAt = :now, ' +
          'offerId = :offer, pairNumber = :pair, sideEffectId = :sid, lastError = :err, message = :msg, expiresAt = :exp ADD occurrences :one',
        ExpressionAttributeNames: { '#type': 'type', '#status': 'status' },
        ExpressionAttributeValues: {
          ':type': 'trackier_update_failed',
          ':sev': 'critical',
          ':open': 'open',
          ':now': now,
          ':offer': record.offerId,
          ':pair': record.pairNumber,
          ':sid': sideEffectIdOf(record.traceId),
          ':err': record.lastError,
          ':msg': `Trackier URL2 update of offer ${record.offerId} pair ${record.pairNumber} failed for good: ${record.lastError.message}`.slice(0, 500),
          ':exp': Math.floor(now / 1000) + 30 * DAY_S,
          ':one': 1,
        },
      }),
    );
  }

  async getAlert(offerId: string, pairNumber: number): Promise<Record<string, unknown> | undefined> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: { ':pk': ALERT_PK, ':sk': `${offerId}#${pairSk(pairNumber)}` },
        ConsistentRead: true,
      }),
    );
    return out.Items?.[0];
  }
}
