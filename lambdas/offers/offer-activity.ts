/**
 * What an offer's recent traces say about it, for the operator's offer list: its current
 * resolution (the newest completed trace's landing URL, mode and when) and its success rate over
 * the last 24 hours (completed / finished). Read from the Traces table's byOffer index, newest
 * first, with bounded reads: a busy offer's rate is then over its most recent traces (`capped`).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queryItems } from '../shared/dynamo-query';
import { forEachLimited } from '../shared/concurrency';
import type { TraceStatus } from '../traces/trace-record';
import type { TraceMode } from '../tracer/types';

export const ACTIVITY_WINDOW_MS = 24 * 3_600_000;
/** Traces read per offer for the rate (two pages of 250): enough for a rate, bounded for a list. */
const RATE_PAGE = 250;
const RATE_PAGES = 2;
/** Older traces looked through for a completed one when the last 24 hours have none. */
const RESOLUTION_LOOKBACK = 100;
/** Offers whose traces are read at once: a page of 100 offers must not burst the table's capacity. */
export const ACTIVITY_CONCURRENCY = 4;

/** Statuses a trace does not leave on its own: the denominator of the rate. */
const FINISHED: ReadonlySet<TraceStatus> = new Set(['completed', 'failed', 'dead_lettered', 'timeout']);

export interface OfferResolution {
  readonly traceId: string;
  readonly finalUrl: string;
  /** The final URL's parameters, as the trace stored them. */
  readonly params?: Readonly<Record<string, string>>;
  readonly mode?: TraceMode;
  /** When the trace completed (epoch ms). */
  readonly at: number;
}

export interface OfferSuccessRate {
  readonly completed: number;
  readonly finished: number;
  /** completed / finished, or null with nothing finished in the window. */
  readonly rate: number | null;
  /** The window's start (epoch ms). */
  readonly since: number;
  /** True when the offer had more traces in the window than were read. */
  readonly capped: boolean;
}

export interface OfferActivity {
  readonly resolution: OfferResolution | null;
  readonly last24h: OfferSuccessRate;
}

interface TraceRow {
  traceId: string;
  status: TraceStatus;
  statusAt?: number;
  updatedAt?: number;
  finalUrl?: string;
  params?: Record<string, string>;
  mode?: TraceMode;
}

// Only what the list shows: a trace item carries its hops, which would be most of each read.
const PROJECTION = { ProjectionExpression: 'traceId, #s, statusAt, updatedAt, finalUrl, params, #m', ExpressionAttributeNames: { '#s': 'status', '#m': 'mode' } };

export class OfferActivityReader {
  constructor(
    private readonly doc: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly tracesTable: string,
  ) {}

  async of(offerId: string, now: number): Promise<OfferActivity> {
    const since = now - ACTIVITY_WINDOW_MS;
    const { items, capped } = await queryItems<TraceRow>(
      this.doc,
      {
        TableName: this.tracesTable,
        IndexName: 'byOffer',
        KeyConditionExpression: 'offerId = :o AND createdAt >= :since',
        ExpressionAttributeValues: { ':o': offerId, ':since': since },
        ScanIndexForward: false,
        ...PROJECTION,
      },
      { limit: RATE_PAGE * RATE_PAGES, pageSize: RATE_PAGE, maxPages: RATE_PAGES },
    );
    const finished = items.filter((t) => FINISHED.has(t.status));
    const completed = finished.filter((t) => t.status === 'completed');
    const newest = completed.find((t) => t.finalUrl) ?? (await this.olderResolution(offerId, since));
    return {
      resolution: newest ? toResolution(newest) : null,
      last24h: { completed: completed.length, finished: finished.length, rate: finished.length ? completed.length / finished.length : null, since, capped },
    };
  }

  /** The activity of each offer, at most ACTIVITY_CONCURRENCY offers' reads at a time. */
  async ofEach(offerIds: readonly string[], now: number): Promise<Map<string, OfferActivity>> {
    const out = new Map<string, OfferActivity>();
    await forEachLimited(offerIds, ACTIVITY_CONCURRENCY, async (offerId) => {
      out.set(offerId, await this.of(offerId, now));
    });
    return out;
  }

  /** The newest completed trace before the window, among the RESOLUTION_LOOKBACK traces before it (one read). */
  private async olderResolution(offerId: string, before: number): Promise<TraceRow | undefined> {
    const { items } = await queryItems<TraceRow>(
      this.doc,
      {
        TableName: this.tracesTable,
        IndexName: 'byOffer',
        KeyConditionExpression: 'offerId = :o AND createdAt < :before',
        FilterExpression: '#s = :completed AND attribute_exists(finalUrl)',
        ExpressionAttributeValues: { ':o': offerId, ':before': before, ':completed': 'completed' },
        ScanIndexForward: false,
        ...PROJECTION,
      },
      { pageSize: RESOLUTION_LOOKBACK, maxPages: 1 },
    );
    return items[0];
  }
}

const toResolution = (t: TraceRow): OfferResolution => ({
  traceId: t.traceId,
  finalUrl: t.finalUrl!,
  ...(t.params ? { params: t.params } : {}),
  ...(t.mode ? { mode: t.mode } : {}),
  at: t.statusAt ?? t.updatedAt ?? 0,
});
