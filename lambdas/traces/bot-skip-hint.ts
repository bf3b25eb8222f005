/**
 * The trace list's explanation for missing traces: how many clicks were redirected but not traced
 * because they looked automated (counted by the click function, lambdas/click/bot-skips.ts), in
 * the current and the previous UTC hour, and a hint naming the cause and the way round it.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BOT_SKIPS_PK_PREFIX, PAUSED_SKIPS_PK_PREFIX, hourBucket } from '../click/bot-skips';
import { queryItems } from '../shared/dynamo-query';
import { TRACE_SKIPS_PK_PREFIX } from '../pipeline/admission-table';

export interface BotSkips {
  readonly count: number;
  /** Start of the window counted: the previous full UTC hour's start (ISO). */
  readonly since: string;
}

const HOUR_MS = 3_600_000;

/**
 * Bot-skipped clicks since the start of the previous UTC hour: for one offer, or for all. Each
 * click environment keeps its own item per offer and hour (its running total), so an hour's count
 * is the sum of its items: one Query per hour.
 */
export async function readBotSkips(doc: Pick<DynamoDBDocumentClient, 'send'>, opsTable: string, now: number, offerId?: string): Promise<BotSkips> {
  return readClickSkips(doc, opsTable, now, offerId, BOT_SKIPS_PK_PREFIX);
}

/** Clicks on offers an operator paused (counted by the click as it counts bots), since the start of the previous UTC hour. */
export async function readPausedSkips(doc: Pick<DynamoDBDocumentClient, 'send'>, opsTable: string, now: number, offerId?: string): Promise<BotSkips> {
  return readClickSkips(doc, opsTable, now, offerId, PAUSED_SKIPS_PK_PREFIX);
}

async function readClickSkips(doc: Pick<DynamoDBDocumentClient, 'send'>, opsTable: string, now: number, offerId: string | undefined, pkPrefix: string): Promise<BotSkips> {
  const hours = [hourBucket(now - HOUR_MS), hourBucket(now)];
  const since = `${hours[0]}:00:00.000Z`;
  let count = 0;
  for (const hour of hours) {
    // A bounded read is plenty for a hint.
    const { items } = await queryItems<{ sk: string; skipped?: number }>(
      doc,
      {
        TableName: opsTable,
        KeyConditionExpression: offerId ? 'pk = :pk AND begins_with(sk, :offer)' : 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `${pkPrefix}${hour}`, ...(offerId ? { ':offer': offerId } : {}) },
        ProjectionExpression: 'sk, skipped',
      },
      { limit: 1000 },
    );
    // `<offerId>#<instance>`; a bare `<offerId>` is an item of the earlier one-item-per-offer layout.
    for (const item of items) if (!offerId || item.sk === offerId || item.sk.startsWith(`${offerId}#`)) count += Number(item.skipped ?? 0);
  }
  return { count, since };
}

/** Clicks redirected but not traced by the starter's admission, since the start of the previous UTC hour. */
export interface TraceSkips {
  /** Beyond the offer's trace budget (`tracePolicy.maxTracesPerMinute`). */
  readonly budget: number;
  /** A click id already traced on the offer within the last 10 minutes. */
  readonly duplicate: number;
  /** On an offer whose tracing an operator paused (counted by the click, which queued nothing). */
  readonly paused: number;
  readonly since: string;
}

/** The starter's counts (lambdas/pipeline/admission-table.ts): one item per offer and hour. */
export async function readTraceSkips(doc: Pick<DynamoDBDocumentClient, 'send'>, opsTable: string, now: number, offerId?: string): Promise<TraceSkips> {
  const hours = [hourBucket(now - HOUR_MS), hourBucket(now)];
  let budget = 0;
  let duplicate = 0;
  for (const hour of hours) {
    const { items } = await queryItems<{ skipped_budget?: number; skipped_duplicate?: number }>(
      doc,
      {
        TableName: opsTable,
        KeyConditionExpression: offerId ? 'pk = :pk AND sk = :offer' : 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `${TRACE_SKIPS_PK_PREFIX}${hour}`, ...(offerId ? { ':offer': offerId } : {}) },
        ProjectionExpression: 'skipped_budget, skipped_duplicate',
      },
      { limit: 1000 },
    );
    for (const item of items) {
      budget += Number(item.skipped_budget ?? 0);
      duplicate += Number(item.skipped_duplicate ?? 0);
    }
  }
  const paused = (await readPausedSkips(doc, opsTable, now, offerId)).count;
  return { budget, duplicate, paused, since: `${hours[0]}:00:00.000Z` };
}

export function traceSkipHint(skips: TraceSkips, offerId?: string): string {
  const where = offerId ? ` on offer ${offerId}` : '';
  const parts = [
    ...(skips.budget ? [`${skips.budget} beyond the offer's trace budget (tracePolicy.maxTracesPerMinute, default 60)`] : []),
    ...(skips.duplicate ? [`${skips.duplicate} repeating a click id traced in the last 10 minutes`] : []),
    ...(skips.paused ? [`${skips.paused} on an offer whose tracing is paused (tracepool offers resume <id>)`] : []),
  ];
  return `Clicks${where} since ${skips.since.slice(11, 16)} UTC redirected but not traced: ${parts.join('; ')}.`;
}

/** The user agent the printed demo line sends: a current desktop Chrome, which isbot lets through. */
export const BROWSER_USER_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

export function botSkipHint(skips: BotSkips, offerId?: string): string {
  const clicks = skips.count === 1 ? '1 click' : `${skips.count} clicks`;
  const where = offerId ? ` on offer ${offerId}` : '';
  return (
    `${clicks}${where} since ${skips.since.slice(11, 16)} UTC ${skips.count === 1 ? 'was' : 'were'} redirected but not traced: ` +
    'a HEAD request, no User-Agent, or the User-Agent of a crawler, link preview or HTTP tool (curl, wget, python-requests …). ' +
    `Real visitors' browsers are traced; to try it with curl, send a browser User-Agent: curl -A '${BROWSER_USER_AGENT}' …`
  );
}
