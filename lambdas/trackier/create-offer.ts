/**
 * POST /admin/trackier/offers: an offer with N pairs → 2N Trackier campaigns.
 *
 * Resumable by construction: every pair item is written (with its token) before any campaign of
 * it is created; each campaign id is recorded on its pair item right after Trackier returns it,
 * before the next creation starts; a rerun skips every slot that has an id. The one window left —
 * Trackier created the campaign but the id never reached DynamoDB — is covered by an intent
 * marker written before each create call: a rerun that finds an intent without an id first asks
 * Trackier for a campaign with that (deterministic) title and adopts it instead of creating again.
 *
 * The run stops starting new creations at `deadlineAt` (API Gateway answers in ≤ 30 s, and 20
 * pairs at ≥ 500 ms spacing take ~20 s plus latency) and reports `in_progress`: calling again
 * continues where it stopped. One run per offer at a time (a lock on the settings item).
 */
import { randomUUID } from 'node:crypto';
import { AppError, BadRequestError, ConflictError, NotFoundError } from '../shared/errors';
import type { OfferStore } from '../offers/offer-item';
import { TrackierApiError, type TrackierApi } from './trackier-api';
import { intentOf, type CampaignSlot, type PairRepository } from './pair-repository';
import {
  MAX_PAIRS,
  googleAdsTemplate,
  isPairNumber,
  newWebhookToken,
  trackingLink,
  webhookUrl,
  type SubIdMapping,
  type TrackierOfferSettings,
  type TrackierPair,
} from './pair';
import { isConditionFailure } from '../shared/dynamo-errors';

/** Trackier failed (after the adapter's own retries): 502, with the progress so far. */
export class TrackierUpstreamError extends AppError {
  constructor(message: string, details?: unknown) {
    super(message, 502, 'trackier_unavailable', details);
  }
}

export interface CreateOfferInput {
  readonly offerId: string;
  readonly pairs: number;
  readonly advertiserId: string;
  readonly trackingDomain?: string;
  /** @default '1' */
  readonly publisherId?: string;
  readonly subIdMapping?: SubIdMapping;
  /** Pair names are `<namePrefix> #<n>`. @default the offer's name */
  readonly namePrefix?: string;
}

export interface CreationDeps {
  readonly pairs: PairRepository;
  readonly offers: OfferStore;
  readonly api: TrackierApi;
  readonly clock: () => number;
  /** Base URL of the public API, for the pairs' webhook URLs. */
  readonly publicBaseUrl: string;
  readonly newToken?: () => string;
  /** Stop starting new creations after this instant (epoch ms). @default no deadline */
  readonly deadlineAt?: number;
  /** How long an abandoned creation lock blocks a new run. @default 120000 */
  readonly lockTtlMs?: number;
}

export interface CreationResult {
  readonly offerId: string;
  readonly status: 'ready' | 'in_progress';
  readonly pairCount: number;
  /** Campaigns created by this call. */
  readonly created: number;
  /** Campaigns found already recorded (or adopted from a crashed run) and reused. */
  readonly reused: number;
  readonly settings: TrackierOfferSettings;
  readonly pairs: TrackierPair[];
}

export const campaignTitle = (offerId: string, pairNumber: number, slot: CampaignSlot): string => `tracepool ${offerId} pair ${pairNumber} ${slot.toUpperCase()}`;

export async function createTrackierOffer(deps: CreationDeps, input: CreateOfferInput): Promise<CreationResult> {
  if (!isPairNumber(input.pairs)) throw new BadRequestError(`pairs must be an integer from 1 to ${MAX_PAIRS}`);
  const offer = await deps.offers.get(input.offerId);
  if (!offer) throw new NotFoundError(`offer ${input.offerId} not found: create it with PUT /admin/offers/${input.offerId} first`);

  const existing = await deps.pairs.getSettings(input.offerId);
  if (existing && existing.pairCount > input.pairs) {
    throw new ConflictError(`offer ${input.offerId} already has ${existing.pairCount} pairs; disable pairs with DELETE instead of lowering the count`);
  }
  let settings: TrackierOfferSettings;
  try {
    settings = await deps.pairs.upsertSettings(
      {
        offerId: input.offerId,
        pairCount: input.pairs,
        advertiserId: input.advertiserId,
        publisherId: input.publisherId ?? existing?.publisherId ?? '1',
        trackingDomain: input.trackingDomain ?? existing?.trackingDomain,
        subIdMapping: input.subIdMapping ?? existing?.subIdMapping,
      },
      deps.clock(),
    );
  } catch (error) {
    if (isConditionFailure(error)) {
      throw new ConflictError(`offer ${input.offerId} has more pairs than requested`);
    }
    throw error;
  }

  const owner = randomUUID();
  if (!(await deps.pairs.acquireCreationLock(input.offerId, owner, deps.clock(), deps.lockTtlMs ?? 120_000))) {
    throw new ConflictError(`a creation for offer ${input.offerId} is already running; retry in a moment`);
  }
  let created = 0;
  let reused = 0;
  let stoppedEarly = false;
  try {
    // Every pair item first: tokens and webhook URLs are fixed (and usable) before any campaign.
    const items: TrackierPair[] = [];
    for (let n = 1; n <= settings.pairCount; n++) {
      const now = deps.clock();
      const token = (deps.newToken ?? newWebhookToken)();
      items.push(
        await deps.pairs.ensurePair({
          offerId: input.offerId,
          pairNumber: n,
          name: `${input.namePrefix ?? offer.name} #${n}`,
          enabled: true,
          webhookToken: token,
          webhookUrl: webhookUrl(deps.publicBaseUrl, token),
          webhook_count: 0,
          update_count: 0,
          createdAt: now,
          updatedAt: now,
        }),
      );
    }
    for (let pair of items) {
      if (stoppedEarly) break;
      const n = pair.pairNumber;
      // URL2 (outbound) first, so URL1 (inbound) can point at URL2's tracking link.
      for (const slot of ['url2', 'url1'] as const) {
        const recorded = slot === 'url1' ? pair.url1CampaignId : pair.url2CampaignId;
        if (recorded) {
          reused++;
          continue;
        }
        const title = campaignTitle(input.offerId, n, slot);
        if (intentOf(pair, slot)) {
          const adopted = await deps.api.findCampaignByTitle(title);
          if (adopted) {
            pair = await record(deps, pair, slot, adopted, settings);
            reused++;
            continue;
          }
        }
        if (deps.deadlineAt !== undefined && deps.clock() >= deps.deadlineAt) {
          stoppedEarly = true;
          break;
        }
        await deps.pairs.markIntent(input.offerId, n, slot, title, deps.clock());
        const url =
          slot === 'url1' && settings.trackingDomain && pair.url2CampaignId
            ? trackingLink(settings.trackingDomain, pair.url2CampaignId, settings.publisherId)
            : offer.redirectUrl;
        const { campaignId } = await deps.api.createCampaign({ title, url, advertiserId: settings.advertiserId });
        pair = await record(deps, pair, slot, campaignId, settings);
        created++;
      }
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await deps.pairs.setStatus(input.offerId, 'creating', deps.clock(), message).catch(() => undefined);
    if (error instanceof TrackierApiError) {
      throw new TrackierUpstreamError('Trackier refused or failed a campaign creation; call again to resume', {
        created,
        reused,
        status: error.status,
        reason: error.message.slice(0, 300),
      });
    }
    throw error;
  } finally {
    await deps.pairs.releaseCreationLock(input.offerId, owner).catch(() => undefined);
  }

  const pairs = await deps.pairs.listPairs(input.offerId);
  const complete = pairs.filter((p) => p.pairNumber <= settings.pairCount).every((p) => p.url1CampaignId && p.url2CampaignId);
  const status = complete && pairs.length >= settings.pairCount ? 'ready' : 'in_progress';
  await deps.pairs.setStatus(input.offerId, status === 'ready' ? 'ready' : 'creating', deps.clock());
  return {
    offerId: input.offerId,
    status,
    pairCount: settings.pairCount,
    created,
    reused,
    settings: { ...settings, status: status === 'ready' ? 'ready' : 'creating' },
    pairs,
  };
}

async function record(deps: CreationDeps, pair: TrackierPair, slot: CampaignSlot, campaignId: string, settings: TrackierOfferSettings): Promise<TrackierPair> {
  const now = deps.clock();
  const extra: Record<string, string> =
    slot === 'url1' && settings.trackingDomain ? { googleAdsTemplate: googleAdsTemplate(settings.trackingDomain, campaignId, settings.publisherId) } : {};
  const stored = await deps.pairs.recordCampaign(pair.offerId, pair.pairNumber, slot, campaignId, now, extra);
  return slot === 'url1' ? { ...pair, url1CampaignId: stored, ...extra } : { ...pair, url2CampaignId: stored };
}
