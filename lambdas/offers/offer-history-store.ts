/**
 * The resolution history in the Ops table: pk `history#<offerId>`, sk `<firstSeen ISO>#<key>`, so
 * a Query returns an offer's timeline in time order; TTL `expiresAt` = lastSeen + 400 days,
 * refreshed on every bump (an offer still resolving there keeps its entry).
 *
 * Recording a trace is one Query (the newest entry) and one UpdateItem without a condition:
 * - the same resolution: ADD count 1, SET lastSeen/lastTraceId/mode on the newest entry — a
 *   StoreResult retried after the write costs at most one extra count;
 * - a change: the same UpdateItem on a new key starts the entry (count 1, the changed values).
 * Two traces seeing the same change at the same moment may each start an entry: two adjacent
 * entries of one resolution, harmless for a timeline, and cheaper than a conditional protocol.
 */
import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BadRequestError } from '../shared/errors';
import { HISTORY_RETENTION_DAYS, nextStep, resolutionOf, type HistoryEntry, type ResolvedTrace } from './offer-history';

export const historyPk = (offerId: string) => `history#${offerId}`;
export const historySk = (firstSeen: number, key: string) => `${new Date(firstSeen).toISOString()}#${key}`;
const DAY_S = 86_400;

export interface HistoryPage {
  /** Newest first. */
  readonly entries: HistoryEntry[];
  /** The next page's cursor; absent on the last page. */
  readonly nextCursor?: string;
}

export class OfferHistoryStore {
  constructor(
    private readonly doc: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly opsTable: string,
    private readonly retentionDays: number = HISTORY_RETENTION_DAYS,
  ) {}

  /** Records one completed trace; 'skipped' when its URL cannot be parsed. */
  async record(trace: ResolvedTrace): Promise<'bumped' | 'started' | 'skipped'> {
    const resolution = resolutionOf(trace.finalUrl, trace.params, trace.clickIdParams);
    if (!resolution) return 'skipped';
    const step = nextStep(await this.latest(trace.offerId, trace.at), resolution);
    const firstSeen = step.kind === 'bump' ? step.firstSeen : trace.at;
    const start =
      step.kind === 'start'
        ? {
            sets: ', offerId = :o, #k = :k, landing = :l, paramNames = :n, stable = :s, changed = :c, firstSeen = if_not_exists(firstSeen, :t)',
            values: { ':o': trace.offerId, ':k': resolution.key, ':l': resolution.landing, ':n': resolution.paramNames, ':s': resolution.stable, ':c': step.changed },
          }
        : { sets: '', values: {} };
    await this.doc.send(
      new UpdateCommand({
        TableName: this.opsTable,
        Key: { pk: historyPk(trace.offerId), sk: historySk(firstSeen, resolution.key) },
        UpdateExpression: `ADD #c :one SET lastSeen = :t, lastTraceId = :id, #m = :m, expiresAt = :exp${start.sets}`,
        ExpressionAttributeNames: { '#c': 'count', '#m': 'mode', ...(step.kind === 'start' ? { '#k': 'key' } : {}) },
        ExpressionAttributeValues: {
          ':one': 1,
          ':t': trace.at,
          ':id': trace.traceId,
          ':m': trace.mode ?? 'unknown',
          ':exp': Math.floor(trace.at / 1000) + this.retentionDays * DAY_S,
          ...start.values,
        },
      }),
    );
    return step.kind === 'bump' ? 'bumped' : 'started';
  }

  /** The newest entry that has not expired (TTL deletes lazily). */
  async latest(offerId: string, now: number): Promise<HistoryEntry | undefined> {
    return (await this.page(offerId, 1, undefined, now)).entries[0];
  }

  /** A page of the timeline, newest first; expired entries TTL has not yet deleted are skipped. */
  async page(offerId: string, limit: number, cursor: string | undefined, now: number): Promise<HistoryPage> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.opsTable,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': historyPk(offerId), ':now': Math.floor(now / 1000) },
        FilterExpression: 'expiresAt >= :now',
        ScanIndexForward: false,
        Limit: limit,
        ...(cursor ? { ExclusiveStartKey: { pk: historyPk(offerId), sk: decodeHistoryCursor(cursor) } } : {}),
      }),
    );
    const entries = (out.Items ?? []).map(toEntry);
    const next = out.LastEvaluatedKey?.sk;
    return { entries, ...(typeof next === 'string' ? { nextCursor: Buffer.from(next).toString('base64url') } : {}) };
  }
}

/** The cursor is the sort key the next page starts after, opaque to the caller. */
export function decodeHistoryCursor(cursor: string): string {
  const sk = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d{4}-\d{2}-\d{2}T[\d:.]+Z#[0-9a-f]{16}$/.test(sk)) throw new BadRequestError('cursor is not one this API handed out');
  return sk;
}

function toEntry(item: Record<string, unknown>): HistoryEntry {
  return {
    offerId: String(item.offerId),
    key: String(item.key),
    landing: String(item.landing),
    paramNames: (item.paramNames as string[] | undefined) ?? [],
    stable: (item.stable as Record<string, string> | undefined) ?? {},
    changed: (item.changed as HistoryEntry['changed'] | undefined) ?? {},
    firstSeen: Number(item.firstSeen),
    lastSeen: Number(item.lastSeen),
    count: Number(item.count),
    lastTraceId: String(item.lastTraceId),
    ...(typeof item.mode === 'string' ? { mode: item.mode } : {}),
  };
}
