/**
 * The operator's everyday offer work, behind /admin/offers: the paged list with each offer's
 * current resolution and success rate, soft delete and restore, pausing tracing, and "trace now".
 * Input errors are AppErrors (the handler's middleware answers them); no HTTP here.
 */
import { AppError, BadRequestError, NotFoundError } from '../shared/errors';
import type { TraceRequestSink, SubmitOutcome } from '../traces/trace-sink';
import type { TraceRequest } from '../traces/trace-request';
import type { DynamoOfferRepository } from './offer-repository';
import type { OfferActivity, OfferActivityReader } from './offer-activity';
import type { Offer, TraceNowInput } from './offer-schema';

export interface OfferAdminDeps {
  readonly repository: DynamoOfferRepository;
  readonly activity: OfferActivityReader;
  /** The click's durable hand-off: the queue, else parking in the Ops table. */
  readonly sink: TraceRequestSink;
  readonly clock: () => number;
  readonly newTraceId: () => string;
}

export const DEFAULT_LIST_LIMIT = 25;
export const MAX_LIST_LIMIT = 100;
const MAX_QUERY_LENGTH = 100;

export interface ListQuery {
  readonly limit: number;
  readonly cursor?: string;
  /** Case-insensitive substring of the offer id or of its redirect URL's host. */
  readonly q?: string;
  /** Include soft-deleted offers. */
  readonly deleted: boolean;
}

export function parseListQuery(params: Readonly<Record<string, string | undefined>>): ListQuery {
  const limit = params.limit === undefined || params.limit === '' ? DEFAULT_LIST_LIMIT : Number(params.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) throw new BadRequestError(`limit must be an integer between 1 and ${MAX_LIST_LIMIT}`);
  const q = params.q?.trim();
  if (q !== undefined && q.length > MAX_QUERY_LENGTH) throw new BadRequestError(`q must be at most ${MAX_QUERY_LENGTH} characters`);
  const deleted = params.deleted;
  if (deleted !== undefined && deleted !== 'true' && deleted !== 'false') throw new BadRequestError('deleted must be true or false');
  if (params.cursor) decodeCursor(params.cursor); // rejected now, not after a read
  return { limit, ...(params.cursor ? { cursor: params.cursor } : {}), ...(q ? { q: q.toLowerCase() } : {}), deleted: deleted === 'true' };
}

/** The cursor is the Catalog key the next page starts after, opaque to the caller. */
const encodeCursor = (key: Record<string, unknown>): string => Buffer.from(JSON.stringify({ pk: key.pk, sk: key.sk })).toString('base64url');

function decodeCursor(cursor: string): { pk: string; sk: string } {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { pk?: unknown; sk?: unknown };
    if (typeof key.pk === 'string' && typeof key.sk === 'string' && key.pk.length <= 200 && key.sk.length <= 200) return { pk: key.pk, sk: key.sk };
  } catch {
    // falls through to the error below
  }
  throw new BadRequestError('cursor is not one this API handed out');
}

function redirectHost(offer: Offer): string {
  try {
    return new URL(offer.redirectUrl).hostname.toLowerCase();
  } catch {
    return '';
  }
}

export type ListedOffer = Offer & OfferActivity;

export interface OfferPage {
  readonly offers: ListedOffer[];
  readonly count: number;
  /** Present while there may be more offers: pass it back as `cursor`. */
  readonly nextCursor?: string;
}

export async function listOffers(deps: OfferAdminDeps, query: ListQuery): Promise<OfferPage> {
  const keep = (offer: Offer) =>
    (query.deleted || offer.deletedAt === undefined) && (!query.q || offer.offerId.toLowerCase().includes(query.q) || redirectHost(offer).includes(query.q));
  const page = await deps.repository.list({ limit: query.limit, keep, ...(query.cursor ? { start: decodeCursor(query.cursor) } : {}) });
  const activity = await deps.activity.ofEach(
    page.offers.map((o) => o.offerId),
    deps.clock(),
  );
  const offers = page.offers.map((offer) => ({ ...offer, ...activity.get(offer.offerId)! }));
  return { offers, count: offers.length, ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}) };
}

export type OfferStateChange = 'delete' | 'restore' | 'pause' | 'resume';

/**
 * Soft delete, restore, pause, resume: each sets or clears one timestamp and bumps the offer's
 * `updatedAt`. Asking for the state the offer is already in changes nothing (and writes nothing).
 * A deleted offer can only be restored: pausing one is answered as for an unknown offer.
 */
export async function changeOfferState(deps: Pick<OfferAdminDeps, 'repository' | 'clock'>, offerId: string, change: OfferStateChange): Promise<Offer> {
  const current = await deps.repository.read(offerId);
  if (!current) throw new NotFoundError(`offer ${offerId} not found`);
  const deleted = current.deletedAt !== undefined;
  if ((change === 'pause' || change === 'resume') && deleted) throw new NotFoundError(`offer ${offerId} is deleted (restore it first)`);
  const [flag, on] =
    change === 'delete' ? (['deletedAt', true] as const) : change === 'restore' ? (['deletedAt', false] as const) : (['pausedAt', change === 'pause'] as const);
  if ((current[flag] !== undefined) === on) return current;
  const changed = await deps.repository.setFlag(offerId, flag, on, deps.clock(), current);
  if (!changed) throw new NotFoundError(`offer ${offerId} not found`);
  return changed;
}

/** The hand-off failed both ways (queue and parking): nothing was queued, the operator may try again. */
export class TraceHandOffFailed extends AppError {
  constructor(message: string) {
    super(message, 503, 'unavailable');
  }
}

/**
 * "Trace now": one trace request, the shape a click queues, through the same durable hand-off,
 * with the operator as its source (`manual`: the starter admits it without the click budget).
 * A paused offer is traced all the same — pausing stops the clicks' traces only.
 */
export async function traceOfferNow(
  deps: OfferAdminDeps,
  offerId: string,
  input: TraceNowInput,
): Promise<{ traceId: string; handOff: SubmitOutcome; request: TraceRequest }> {
  const offer = await deps.repository.read(offerId);
  if (!offer || offer.deletedAt !== undefined) throw new NotFoundError(`offer ${offerId} not found`);
  const request: TraceRequest = {
    v: 1,
    traceId: deps.newTraceId(),
    offerId,
    source: 'manual',
    params: {},
    clickedAt: deps.clock(),
    // An `auto` offer has no clicker to take a country from: any country's IP, unless asked.
    country: input.country ?? (offer.country === 'auto' ? 'any' : offer.country),
    device: input.device ?? offer.device,
    attempt: 1,
  };
  const handOff = await deps.sink.submit(request);
  if (handOff === 'lost') throw new TraceHandOffFailed('the trace request could be neither queued nor parked; try again');
  return { traceId: request.traceId, handOff, request };
}
