/**
 * The admin API's answers as the console reads them. Types only (erased from the bundle): the
 * shapes come from the handlers' own modules, so a change there fails the console's type check.
 */
import type { Offer } from '../../lambdas/offers/offer-schema';
import type { OfferActivity } from '../../lambdas/offers/offer-activity';
import type { HistoryEntry } from '../../lambdas/offers/offer-history';
import type { TraceRecord } from '../../lambdas/traces/trace-record';

export type { PoolDocument } from '../../lambdas/ops/pool-monitor';
export type { HealthWarning, Severity } from '../../lambdas/ops/thresholds';
export type { Offer } from '../../lambdas/offers/offer-schema';
export type { CurrentResolution } from '../../lambdas/offers/offer-history-admin';
export type { OfferStats, HourStats } from '../../lambdas/offers/offer-stats';
export type { TraceRecord, TraceStatus } from '../../lambdas/traces/trace-record';
export type { Hop } from '../../lambdas/tracer/types';
export type { RequeueSummary } from '../../lambdas/admin/trace-requeue';
export type { AlertsView, OpenAlert, ResolvedAlert } from '../../lambdas/ops/alerts';
export type { IpView } from '../../lambdas/lease/pool-admin';
export type { TrackierOfferView, PairView, OfferStats as TrackierStats } from '../../lambdas/trackier/pair-admin';
export type { CreationResult as TrackierCreation } from '../../lambdas/trackier/create-offer';
export type { HourlyMetricsResponse, HourlyRow } from '../../lambdas/analytics/hourly-metrics';

/** GET /admin/offers: a page of offers, each with its resolution and last 24 hours. */
export interface OfferPage {
  readonly offers: (Offer & OfferActivity)[];
  readonly count: number;
  readonly nextCursor?: string;
}

/** GET /admin/offers/{id}/history. */
export interface OfferHistoryPage {
  readonly offerId: string;
  readonly entries: HistoryEntry[];
  readonly nextCursor?: string;
}

/** GET /admin/traces: the newest traces, and why the list may be short. */
export interface TraceList {
  readonly traces: TraceRecord[];
  readonly count: number;
  readonly hint?: string;
}

/** POST /admin/offers/{id}/trace. */
export interface TraceNowAnswer {
  readonly traceId: string;
  readonly offerId: string;
  readonly handOff: string;
}
