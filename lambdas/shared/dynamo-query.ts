/** Reading a DynamoDB Query page by page, within bounds: one loop for the repositories that collect. */
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

export interface QueryBounds {
  /** Stop once this many items are read; each page asks only for what is still wanted. @default no limit */
  readonly limit?: number;
  /** Items per page. @default DynamoDB's page (1 MB) */
  readonly pageSize?: number;
  /** Stop after this many pages. @default no limit */
  readonly maxPages?: number;
}

/** The items of a Query; `capped` says whether DynamoDB had more when a bound stopped the reading. */
export async function queryItems<T = Record<string, unknown>>(
  doc: Pick<DynamoDBDocumentClient, 'send'>,
  input: Omit<QueryCommandInput, 'Limit' | 'ExclusiveStartKey'>,
  bounds: QueryBounds = {},
): Promise<{ items: T[]; capped: boolean }> {
  const limit = bounds.limit ?? Infinity;
  const maxPages = bounds.maxPages ?? Infinity;
  const items: T[] = [];
  let startKey: Record<string, unknown> | undefined;
  let pages = 0;
  do {
    const wanted = Math.min(bounds.pageSize ?? Infinity, limit - items.length);
    const page = await doc.send(new QueryCommand({ ...input, ...(Number.isFinite(wanted) ? { Limit: wanted } : {}), ExclusiveStartKey: startKey }));
    items.push(...((page.Items ?? []) as T[]));
    startKey = page.LastEvaluatedKey;
    pages++;
  } while (startKey && pages < maxPages && items.length < limit);
  return { items, capped: startKey !== undefined };
}
