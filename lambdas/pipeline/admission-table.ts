/**
 * The starter's items in the Ops table: click ids seen (duplicate window), the offers' token
 * buckets and the hourly counts of clicks not traced. Conditional writes only: correct under any
 * number of concurrent starters, no read before a write, no transaction.
 */
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditionalWrite } from '../shared/conditional-write';
import type { AdmissionStore, SkipReason, TokenBucket } from './trace-admission';

/** pk `clickid#<offerId>#<name>=<value>`, sk `seen`: the trace that claimed it, until when. */
export const clickIdKey = (offerId: string, clickId: string) => ({ pk: `clickid#${offerId}#${clickId}`, sk: 'seen' });
/** pk `tracebudget#<offerId>`, sk `bucket`: `tat`, when the bucket is full again (ms). */
export const budgetKey = (offerId: string) => ({ pk: `tracebudget#${offerId}`, sk: 'bucket' });
/** pk `traceskips#<hour>`, sk the offer id: `skipped_budget`, `skipped_duplicate`. */
export const TRACE_SKIPS_PK_PREFIX = 'traceskips#';
export const traceSkipsKey = (hour: string, offerId: string) => ({ pk: `${TRACE_SKIPS_PK_PREFIX}${hour}`, sk: offerId });

/** A bucket untouched for a day is full anyway: TTL removes it. Skip counts are kept two days. */
const BUCKET_TTL_S = 86_400;
const SKIPS_TTL_S = 2 * 86_400;
/** Conditional attempts at one token before calling the bucket empty (only races repeat). */
const TAKE_ATTEMPTS = 4;

export class OpsAdmissionTable implements AdmissionStore {
  constructor(
    private readonly doc: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly tableName: string,
  ) {}

  async claimClickId(offerId: string, clickId: string, traceId: string, now: number, until: number): Promise<boolean> {
    const written = await conditionalWrite(() =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...clickIdKey(offerId, clickId), traceId, seenUntil: until, expiresAt: Math.ceil(until / 1000) },
          // TTL deletes late (up to days): an expired claim is checked by its own time, not by its absence.
          ConditionExpression: 'attribute_not_exists(pk) OR seenUntil <= :now OR traceId = :traceId',
          ExpressionAttributeValues: { ':now': now, ':traceId': traceId },
        }),
      ),
    );
    return written.ok;
  }

  /**
   * The generic cell rate algorithm in two conditional updates, neither reading first: while the
   * bucket is in use, `tat` moves on by one interval if that keeps it within the tolerance; when it
   * has been idle (`tat` in the past, or no item), `tat` restarts from now. A failed condition
   * returns the item (ReturnValuesOnConditionCheckFailure), which says which case holds; another
   * starter's write in between only costs another attempt.
   */
  async takeToken(offerId: string, now: number, bucket: TokenBucket): Promise<boolean> {
    const key = budgetKey(offerId);
    const expiresAt = Math.floor(now / 1000) + BUCKET_TTL_S;
    for (let attempt = 0; attempt < TAKE_ATTEMPTS; attempt++) {
      const inUse = await conditionalWrite(() =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: 'SET tat = tat + :interval, expiresAt = :exp',
            ConditionExpression: 'tat > :now AND tat <= :limit',
            ExpressionAttributeValues: { ':interval': bucket.intervalMs, ':now': now, ':limit': now + bucket.toleranceMs, ':exp': expiresAt },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      if (inUse.ok) return true;
      const tat = inUse.old?.tat as number | undefined;
      if (tat !== undefined && tat > now) return false; // beyond the tolerance: the bucket is empty
      const restarted = await conditionalWrite(() =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: 'SET tat = :next, expiresAt = :exp',
            ConditionExpression: 'attribute_not_exists(tat) OR tat <= :now',
            ExpressionAttributeValues: { ':next': now + bucket.intervalMs, ':now': now, ':exp': expiresAt },
          }),
        ),
      );
      if (restarted.ok) return true;
      // Another starter restarted the bucket first: try again as a bucket in use.
    }
    return false;
  }

  /** Adds one to the offer's count of clicks skipped for this reason in the hour. */
  async countSkip(offerId: string, hour: string, reason: SkipReason, now: number): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: traceSkipsKey(hour, offerId),
        UpdateExpression: 'ADD #reason :one SET expiresAt = if_not_exists(expiresAt, :exp)',
        ExpressionAttributeNames: { '#reason': reason },
        ExpressionAttributeValues: { ':one': 1, ':exp': Math.floor(now / 1000) + SKIPS_TTL_S },
      }),
    );
  }
}
