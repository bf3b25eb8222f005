/**
 * The operator's view of what an offer resolves to, behind /admin/offers/{offerId}/resolution and
 * /history. The current landing comes from the newest completed trace (the offers list's reader,
 * with its 24-hour success rate); once the traces have expired, from the newest history entry.
 */
import { BadRequestError, NotFoundError } from '../shared/errors';
import type { DynamoOfferRepository } from './offer-repository';
import type { OfferActivityReader, OfferSuccessRate } from './offer-activity';
import { decodeHistoryCursor, type HistoryPage, type OfferHistoryStore } from './offer-history-store';

export interface OfferHistoryDeps {
  readonly repository: Pick<DynamoOfferRepository, 'read'>;
  readonly activity: Pick<OfferActivityReader, 'of'>;
  readonly history: Pick<OfferHistoryStore, 'page' | 'latest'>;
  readonly clock: () => number;
}

export interface CurrentResolution {
  readonly offerId: string;
  /** null when the offer never resolved within the history's retention. */
  readonly resolution: {
    readonly finalUrl: string;
    readonly params: Readonly<Record<string, string>>;
    readonly mode?: string;
    /** When it was last traced to this landing (epoch ms). */
    readonly lastTracedAt: number;
    readonly traceId: string;
    /** `traces` while a completed trace is kept; `history` after (its landing is without volatile values). */
    readonly source: 'traces' | 'history';
  } | null;
  readonly last24h: OfferSuccessRate;
}

export async function currentResolution(deps: OfferHistoryDeps, offerId: string): Promise<CurrentResolution> {
  if (!(await deps.repository.read(offerId))) throw new NotFoundError(`offer ${offerId} not found`);
  const now = deps.clock();
  const activity = await deps.activity.of(offerId, now);
  if (activity.resolution) {
    const r = activity.resolution;
    return {
      offerId,
      resolution: { finalUrl: r.finalUrl, params: r.params ?? {}, ...(r.mode ? { mode: r.mode } : {}), lastTracedAt: r.at, traceId: r.traceId, source: 'traces' },
      last24h: activity.last24h,
    };
  }
  const latest = await deps.history.latest(offerId, now);
  return {
    offerId,
    resolution: latest
      ? {
          finalUrl: latest.landing,
          params: latest.stable,
          ...(latest.mode ? { mode: latest.mode } : {}),
          lastTracedAt: latest.lastSeen,
          traceId: latest.lastTraceId,
          source: 'history',
        }
      : null,
    last24h: activity.last24h,
  };
}

export const DEFAULT_HISTORY_LIMIT = 20;
export const MAX_HISTORY_LIMIT = 100;

export interface HistoryQuery {
  readonly limit: number;
  readonly cursor?: string;
}

export function parseHistoryQuery(params: Readonly<Record<string, string | undefined>>): HistoryQuery {
  const limit = params.limit === undefined || params.limit === '' ? DEFAULT_HISTORY_LIMIT : Number(params.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_LIMIT) throw new BadRequestError(`limit must be an integer between 1 and ${MAX_HISTORY_LIMIT}`);
  if (params.cursor) decodeHistoryCursor(params.cursor); // rejected now, not after a read
  return { limit, ...(params.cursor ? { cursor: params.cursor } : {}) };
}

/** The timeline, newest first. An offer deleted since still has its history (404 only if never known). */
export async function offerHistory(deps: OfferHistoryDeps, offerId: string, query: HistoryQuery): Promise<HistoryPage & { offerId: string }> {
  if (!(await deps.repository.read(offerId))) throw new NotFoundError(`offer ${offerId} not found`);
  return { offerId, ...(await deps.history.page(offerId, query.limit, query.cursor, deps.clock())) };
}
