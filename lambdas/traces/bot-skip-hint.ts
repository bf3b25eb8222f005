/**
 * The trace list's explanation for missing traces: how many clicks were redirected but not traced
 * because they looked automated (counted by the click function, lambdas/click/bot-skips.ts), in
 * the current and the previous UTC hour, and a hint naming the cause and the way round it.
 */
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BOT_SKIPS_PK_PREFIX, botSkipsKey, hourBucket } from '../click/bot-skips';
import { queryItems } from '../shared/dynamo-query';

export interface BotSkips {
  readonly count: number;
  /** Start of the window counted: the previous full UTC hour's start (ISO). */
  readonly since: string;
}

const HOUR_MS = 3_600_000;

/** Bot-skipped clicks since the start of the previous UTC hour: for one offer, or for all. */
export async function readBotSkips(doc: Pick<DynamoDBDocumentClient, 'send'>, opsTable: string, now: number, offerId?: string): Promise<BotSkips> {
  const hours = [hourBucket(now - HOUR_MS), hourBucket(now)];
  const since = `${hours[0]}:00:00.000Z`;
  let count = 0;
  if (offerId) {
    const out = await doc.send(new BatchGetCommand({ RequestItems: { [opsTable]: { Keys: hours.map((h) => botSkipsKey(h, offerId)) } } }));
    for (const item of out.Responses?.[opsTable] ?? []) count += Number(item.skipped ?? 0);
  } else {
    for (const hour of hours) {
      // One item per offer that saw a bot in the hour; a bounded read is plenty for a hint.
      const { items } = await queryItems<{ skipped?: number }>(
        doc,
        { TableName: opsTable, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `${BOT_SKIPS_PK_PREFIX}${hour}` }, ProjectionExpression: 'skipped' },
        { limit: 1000 },
      );
      for (const item of items) count += Number(item.skipped ?? 0);
    }
  }
  return { count, since };
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
