/**
 * Pair management: read an offer with its pairs, PATCH a pair (name, enabled, mapping, signed
 * postbacks), DELETE (soft disable; pair 1 cannot be disabled, it is what legacy webhooks route
 * to), a simulated webhook for one pair, aggregate stats, and the CSV of every pair.
 *
 * A pair that requires signed postbacks shows its signing key (derived from the master in the
 * Trackier secret, never stored) in the pair view, the one place operators read webhook URLs and
 * tokens from; the CSV export leaves it out.
 */
import { z } from 'zod';
import { BadRequestError, ConflictError, NotFoundError } from '../shared/errors';
import type { PairRepository } from './pair-repository';
import type { TrackierOfferSettings, TrackierPair } from './pair';
import { subIdMappingSchema } from './pair-schema';
import { pairsCsv } from './csv-export';
import { simulateWebhook, type AcceptDeps, type WebhookOutcome } from './webhook';
import { pairSigningKey, type SigningMasterSource } from './webhook-signature';

export interface AdminDeps {
  readonly pairs: PairRepository;
  readonly clock: () => number;
  /** The signing master; without it no pair can require signatures. */
  readonly signingMaster?: SigningMasterSource;
}

/** A pair as the admin API shows it: with its signing key when it requires signed postbacks. */
export type PairView = TrackierPair & { signingKey?: string };

export interface TrackierOfferView {
  readonly offerId: string;
  readonly settings: TrackierOfferSettings;
  readonly pairs: PairView[];
}

async function withSigningKeys(deps: AdminDeps, pairs: TrackierPair[]): Promise<PairView[]> {
  if (!pairs.some((p) => p.requireSignature)) return pairs;
  // The pairs are still worth showing when the secret cannot be read: without their keys then.
  const master = await deps.signingMaster?.().catch(() => undefined);
  return pairs.map((p) => (p.requireSignature && master ? { ...p, signingKey: pairSigningKey(master, p.offerId, p.pairNumber) } : p));
}

export async function getTrackierOffer(deps: AdminDeps, offerId: string): Promise<TrackierOfferView> {
  const [settings, pairs] = await Promise.all([deps.pairs.getSettings(offerId), deps.pairs.listPairs(offerId)]);
  if (!settings && pairs.length === 0) throw new NotFoundError(`Trackier offer ${offerId} not found`);
  return {
    offerId,
    settings: settings ?? ({ offerId, pairCount: pairs.length, status: 'ready' } as TrackierOfferSettings),
    pairs: await withSigningKeys(deps, pairs),
  };
}

export const pairPatchSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    enabled: z.boolean().optional(),
    /** null: follow the offer's mapping again. */
    subIdMapping: subIdMappingSchema.nullable().optional(),
    /** Postbacks must be signed with the pair's key (`ts` + `sig`); unsigned ones are misses. */
    requireSignature: z.boolean().optional(),
  })
  .strict()
  .refine((p) => Object.values(p).some((v) => v !== undefined), 'nothing to change');

export async function patchPair(deps: AdminDeps, offerId: string, pairNumber: number, body: unknown): Promise<PairView> {
  const parsed = pairPatchSchema.safeParse(body);
  if (!parsed.success) {
    throw new BadRequestError(
      'invalid pair patch',
      parsed.error.issues.map((i) => ({ path: i.path.join('.') || (i.code === 'unrecognized_keys' ? i.keys.join(',') : ''), message: i.message })),
    );
  }
  if (pairNumber === 1 && parsed.data.enabled === false) throw new ConflictError('pair 1 cannot be disabled (legacy webhooks route to it)');
  // Requiring signatures nobody can produce would silently turn every postback into a miss.
  if (parsed.data.requireSignature && !(await deps.signingMaster?.())) {
    throw new ConflictError('signed postbacks need a webhookSigningKey (32+ characters) in the Trackier secret');
  }
  const updated = await deps.pairs.patchPair(offerId, pairNumber, parsed.data, deps.clock());
  if (!updated) throw new NotFoundError(`pair ${pairNumber} of offer ${offerId} not found`);
  return (await withSigningKeys(deps, [updated]))[0]!;
}

export async function disablePair(deps: AdminDeps, offerId: string, pairNumber: number): Promise<TrackierPair> {
  if (pairNumber === 1) throw new ConflictError('pair 1 cannot be disabled (legacy webhooks route to it)');
  const updated = await deps.pairs.patchPair(offerId, pairNumber, { enabled: false }, deps.clock());
  if (!updated) throw new NotFoundError(`pair ${pairNumber} of offer ${offerId} not found`);
  return updated;
}

/** A simulated postback for one pair: the trace runs and, when it completes, URL2 is updated. */
export async function testPair(
  deps: AdminDeps & { webhook: AcceptDeps },
  offerId: string,
  pairNumber: number,
  params: Readonly<Record<string, string | undefined>>,
): Promise<Extract<WebhookOutcome, { kind: 'accepted' }>> {
  const pair = await deps.pairs.getPair(offerId, pairNumber);
  if (!pair) throw new NotFoundError(`pair ${pairNumber} of offer ${offerId} not found`);
  if (!pair.enabled) throw new ConflictError(`pair ${pairNumber} is disabled; enable it first`);
  const outcome = await simulateWebhook(deps.webhook, pair, params);
  if (outcome.kind !== 'accepted') throw new NotFoundError(`offer ${offerId} no longer exists`);
  return outcome;
}

export interface PairStats {
  readonly pairNumber: number;
  readonly name: string;
  readonly enabled: boolean;
  readonly webhook_count: number;
  readonly update_count: number;
  readonly last_webhook_at?: number;
  readonly last_update_at?: number;
  readonly sub_id_values?: Record<string, string>;
}

export interface OfferStats {
  readonly offerId: string;
  readonly total_pairs: number;
  readonly enabled_pairs: number;
  readonly total_webhook_count: number;
  readonly total_update_count: number;
  /** The most recent webhook across all pairs, and which pair got it. */
  readonly latest_webhook: { readonly at: number; readonly iso: string; readonly pairNumber: number } | null;
  readonly latest_update_at: number | null;
  readonly pairs: PairStats[];
}

export function computeStats(offerId: string, pairs: readonly TrackierPair[]): OfferStats {
  let latest: OfferStats['latest_webhook'] = null;
  let latestUpdate: number | null = null;
  for (const p of pairs) {
    if (p.last_webhook_at !== undefined && (!latest || p.last_webhook_at > latest.at)) {
      latest = { at: p.last_webhook_at, iso: new Date(p.last_webhook_at).toISOString(), pairNumber: p.pairNumber };
    }
    if (p.last_update_at !== undefined && (latestUpdate === null || p.last_update_at > latestUpdate)) latestUpdate = p.last_update_at;
  }
  return {
    offerId,
    total_pairs: pairs.length,
    enabled_pairs: pairs.filter((p) => p.enabled).length,
    total_webhook_count: pairs.reduce((sum, p) => sum + p.webhook_count, 0),
    total_update_count: pairs.reduce((sum, p) => sum + p.update_count, 0),
    latest_webhook: latest,
    latest_update_at: latestUpdate,
    pairs: pairs.map((p) => ({
      pairNumber: p.pairNumber,
      name: p.name,
      enabled: p.enabled,
      webhook_count: p.webhook_count,
      update_count: p.update_count,
      last_webhook_at: p.last_webhook_at,
      last_update_at: p.last_update_at,
      sub_id_values: p.sub_id_values,
    })),
  };
}

export async function offerStats(deps: AdminDeps, offerId: string): Promise<OfferStats> {
  const pairs = await deps.pairs.listPairs(offerId);
  if (pairs.length === 0) throw new NotFoundError(`Trackier offer ${offerId} not found`);
  return computeStats(offerId, pairs);
}

export async function offerPairsCsv(deps: AdminDeps, offerId: string): Promise<string> {
  const pairs = await deps.pairs.listPairs(offerId);
  if (pairs.length === 0) throw new NotFoundError(`Trackier offer ${offerId} not found`);
  return pairsCsv(pairs);
}
