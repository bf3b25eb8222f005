/** The trace sink's adapters over the SDK's generated clients (every function but the click). */
import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { newTraceId, type TraceRequest } from './trace-request';
import { conditionalWrite } from '../shared/conditional-write';
import { PARKED_PK, parkedItem, traceRequestMessage, type TraceParking, type TraceQueue } from './trace-sink';
import type { ParkedCursor, ParkedPage, ParkedRequestStore, TraceBatchQueue } from '../pipeline/parked-drain';

export class SqsTraceQueue implements TraceQueue, TraceBatchQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(request: TraceRequest): Promise<void> {
    await this.sqs.send(new SendMessageCommand(traceRequestMessage(this.queueUrl, request)));
  }

  /** One SendMessageBatch; the indexes SQS refused. Each entry is the message `send` would send. */
  async sendBatch(requests: readonly TraceRequest[], bodies?: readonly string[]): Promise<number[]> {
    const out = await this.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: this.queueUrl,
        Entries: requests.map((request, i) => {
          const { QueueUrl: _url, ...message } = traceRequestMessage(this.queueUrl, request, bodies?.[i]);
          return { Id: String(i), ...message };
        }),
      }),
    );
    const accepted = new Set((out.Successful ?? []).map((e) => Number(e.Id)));
    // An entry neither accepted nor reported failed is treated as refused: it stays parked.
    return requests.map((_, i) => i).filter((i) => !accepted.has(i));
  }
}

/**
 * Parking with the SDK's client, for the functions that await their park within the invocation
 * (the Trackier webhook and admin API, the drain parking a refused click again): each write is
 * signed before their timeout, which the drain's settle margin counts (parked-drain.ts).
 */
export class ParkingTable implements TraceParking {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async park(request: TraceRequest, now: number, reason: string): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: parkedItem(request, now, reason) }));
  }
}

/** The drain's cursor over the parked partition: its own item, outside the partition it counts. */
export const PARKED_CURSOR_KEY = { pk: `cursor#${PARKED_PK}`, sk: 'drain' } as const;

/**
 * The parked partition as the retry schedule drains it (lambdas/pipeline/parked-drain.ts): read in
 * key order from a cursor item, which only the run holding the drain writes. Nothing is deleted:
 * TTL removes the items the cursor has passed.
 */
export class ParkedRequestTable implements ParkedRequestStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(now: number, until: number): Promise<ParkedCursor | undefined> {
    const claimed = await conditionalWrite(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: PARKED_CURSOR_KEY,
          UpdateExpression: 'SET version = if_not_exists(version, :zero) + :one, leaseUntil = :until, claimedAt = :now',
          // Free, or its holder's lease is over (it crashed, or ended without releasing it).
          ConditionExpression: 'attribute_not_exists(pk) OR leaseUntil <= :now',
          ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':until': until, ':now': now },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return claimed.ok ? toCursor(claimed.value.Attributes ?? {}) : undefined;
  }

  /**
   * A page is a key range of its own (`sk BETWEEN` the last key read `AND` the bound) rather than
   * a continuation by ExclusiveStartKey: DynamoDB charges the two alike (one key read twice a
   * page), but DynamoDB Local walks an ExclusiveStartKey from the start of the range, so a page
   * deep in a 60,000-click backlog cost it twice the first. `next` is the last key read.
   */
  async page(limit: number, range: { after?: string; before: string }, start?: string): Promise<ParkedPage> {
    const from = start ?? range.after;
    // BETWEEN needs from ≤ before; past the bound there is nothing to read.
    if (from !== undefined && from >= range.before) return { items: [] };
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        // BETWEEN is inclusive: the key at `from` (already read) comes back first, and is dropped.
        // No key equals `before` (a bound is shorter than every key it sorts above).
        KeyConditionExpression: from !== undefined ? 'pk = :pk AND sk BETWEEN :from AND :before' : 'pk = :pk AND sk < :before',
        ExpressionAttributeValues: { ':pk': PARKED_PK, ':before': range.before, ...(from !== undefined ? { ':from': from } : {}) },
        // `request`: items parked as a map, before the body was kept as a string.
        ProjectionExpression: 'sk, #b, #r',
        ExpressionAttributeNames: { '#b': 'body', '#r': 'request' }, // reserved words
        // Strongly consistent: every write that landed before the read is in it (the settle margin's premise).
        ConsistentRead: true,
        Limit: from !== undefined ? limit + 1 : limit,
      }),
    );
    const items = (out.Items ?? [])
      .filter((i) => i.sk !== from)
      .map((i) =>
        typeof i.body === 'string'
          ? { key: String(i.sk), request: JSON.parse(i.body) as TraceRequest, body: i.body }
          : { key: String(i.sk), request: i.request as TraceRequest },
      );
    const last = items.at(-1)?.key;
    return { items, ...(out.LastEvaluatedKey && last !== undefined ? { next: last } : {}) };
  }

  async advance(version: number, cursor: { position?: string; above: readonly string[] }, release: boolean): Promise<boolean> {
    const set = ['version = :next', 'above = :above', ...(cursor.position !== undefined ? ['#p = :position'] : []), ...(release ? ['leaseUntil = :zero'] : [])];
    const written = await conditionalWrite(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: PARKED_CURSOR_KEY,
          UpdateExpression: `SET ${set.join(', ')}`,
          ConditionExpression: 'version = :version',
          ExpressionAttributeNames: cursor.position !== undefined ? { '#p': 'position' } : undefined,
          ExpressionAttributeValues: {
            ':version': version,
            ':next': version + 1,
            ':above': [...cursor.above],
            ...(cursor.position !== undefined ? { ':position': cursor.position } : {}),
            ...(release ? { ':zero': 0 } : {}),
          },
        }),
      ),
    );
    return written.ok;
  }

  async repark(request: TraceRequest, reason: string): Promise<void> {
    const now = Date.now();
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: parkedItem(request, now, reason, newTraceId()) }));
  }

  /** The cursor as it stands (strongly consistent): what has been handed over. */
  async cursor(): Promise<Omit<ParkedCursor, 'version'>> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: { ':pk': PARKED_CURSOR_KEY.pk, ':sk': PARKED_CURSOR_KEY.sk },
        ConsistentRead: true,
      }),
    );
    const { version: _v, ...cursor } = toCursor(out.Items?.[0] ?? {});
    return cursor;
  }

  /**
   * The parked clicks not yet handed over: those above the cursor. The items it has passed stay
   * until TTL removes them, and are not parked clicks any more.
   */
  async pendingKeys(): Promise<string[]> {
    const cursor = await this.cursor();
    const handed = new Set(cursor.above);
    const keys: string[] = [];
    let start: Record<string, unknown> | undefined = cursor.position !== undefined ? { pk: PARKED_PK, sk: cursor.position } : undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': PARKED_PK },
          ProjectionExpression: 'sk',
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of out.Items ?? []) if (!handed.has(String(item.sk))) keys.push(String(item.sk));
      start = out.LastEvaluatedKey;
    } while (start);
    return keys;
  }
}

function toCursor(item: Record<string, unknown>): ParkedCursor {
  return {
    ...(typeof item.position === 'string' ? { position: item.position } : {}),
    above: Array.isArray(item.above) ? item.above.map(String) : [],
    version: typeof item.version === 'number' ? item.version : 0,
  };
}
