/**
 * Steps 2–4 of the aggregator (see aggregator.ts) as one pipeline on `concurrency` request slots.
 * The raw items go out sorted by aggregate, in BatchWriteItem chunks (or one conditional PutItem
 * each); the markers of earlier batches ride in the first chunk. An aggregate's ADD waits for the
 * chunks holding its own members (and for its campaign index item) only, so ADDs overlap the rest
 * of the raw writes; a member whose raw write failed is left out of the ADD and reported.
 */
import type { GeoLookup } from '../geo/geo-lookup';
import { chunk, forEachLimited, semaphore } from '../shared/concurrency';
import type { AggregateStore, AggregatorLogger, FailureReason, StoreItem } from './aggregator';
import type { QueuedEvent } from './event-schema';
import { aggregateKey, campaignIndexPk, campaignIndexSk, doneKey, rawEventKey } from './keys';
import type { DoneMarker, TokenCleanup } from './token-cleanup';

/** One event of the batch (SQS duplicates folded), and what became of it. */
export interface Work {
  readonly event: QueuedEvent;
  readonly messageIds: string[];
  accountId?: string;
  aggPk?: string;
  aggSk?: string;
  recovered?: boolean;
  failure?: FailureReason;
}

export interface ToWrite {
  readonly work: Work;
  /** The claim of the earlier attempt a recovered event overwrites. */
  readonly previousClaim?: string;
}

export interface PipelineDeps {
  readonly store: AggregateStore;
  readonly cleanup: TokenCleanup;
  readonly rawWrites: 'batch' | 'conditional';
  readonly concurrency: number;
  readonly ttlSeconds: number;
  readonly geo?: GeoLookup;
  readonly log?: AggregatorLogger;
}

/** DynamoDB's BatchWriteItem limit: the most items one `AggregateStore.writeBatch` takes. */
export const BATCH_WRITE_MAX = 25;

/** Campaign index items one container remembers having written; cleared past this. */
const INDEXED_MAX = 50_000;

export class AggregationPipeline {
  /** Campaign index items already written by this container. */
  private readonly indexed = new Set<string>();

  constructor(private readonly deps: PipelineDeps) {}

  /** Returns the aggregate keys batch `token` was added to. */
  async run(items: readonly ToWrite[], token: string, now: number): Promise<string[]> {
    const slot = semaphore(this.deps.concurrency);
    const groups = new Map<string, Work[]>();
    const previous = new Map<Work, string>();
    for (const { work, previousClaim } of items) {
      if (work.failure) continue;
      if (previousClaim) previous.set(work, previousClaim);
      const key = aggregateKey(work.aggPk!, work.aggSk!);
      const list = groups.get(key);
      if (list) list.push(work);
      else groups.set(key, [work]);
    }
    const markers = this.deps.cleanup.takeMarkers();
    const written = new Map<Work, Promise<void>>();
    let markersWritten: Promise<void> | undefined;
    if (this.deps.rawWrites === 'conditional') {
      if (markers.length) markersWritten = slot(() => this.writeChunk([], markers, token, now));
      for (const members of groups.values()) {
        for (const w of members)
          written.set(
            w,
            slot(() => this.putConditional(w, previous.get(w), token, now)),
          );
      }
    } else {
      const requests: ({ work: Work } | { marker: DoneMarker })[] = [...markers.map((marker) => ({ marker })), ...[...groups.values()].flat().map((work) => ({ work }))];
      // Even chunks: 101 requests go as 21+20+20+20+20, not 25+25+25+25+1.
      const size = Math.ceil(requests.length / Math.ceil(requests.length / BATCH_WRITE_MAX)) || 1;
      for (const part of chunk(requests, size)) {
        const works = part.flatMap((r) => ('work' in r ? [r.work] : []));
        const done = slot(() =>
          this.writeChunk(
            works,
            part.flatMap((r) => ('marker' in r ? [r.marker] : [])),
            token,
            now,
          ),
        );
        for (const w of works) written.set(w, done);
      }
    }
    const indexed = this.writeIndex([...groups.values()]);

    const applied: string[] = [];
    await Promise.all([
      markersWritten,
      indexed,
      ...[...groups.entries()].map(async ([key, members]) => {
        await Promise.all([indexed, ...new Set(members.map((m) => written.get(m)))]);
        const live = members.filter((m) => !m.failure);
        if (!live.length) return;
        await slot(async () => {
          try {
            await this.addToAggregate(key, live, token, now);
            applied.push(key);
          } catch (error) {
            this.deps.log?.warn('analytics.aggregate.failed', { key, error: String(error) });
            for (const m of live) m.failure = 'aggregate_write';
          }
        });
      }),
    ]);
    return applied;
  }

  private rawItem(w: Work, token: string, now: number): StoreItem {
    const e = w.event;
    const geo = this.deps.geo?.lookup(e.clientIp);
    // The client IP itself is not stored: geo is what the reports need, the address is personal data.
    return {
      ...rawEventKey(e.eventId),
      eventId: e.eventId,
      type: e.type,
      accountId: w.accountId,
      campaignId: e.campaignId,
      adUnitId: e.adUnitId,
      creativeId: e.creativeId,
      pageUrl: e.pageUrl,
      timestamp: e.timestamp,
      clientTimestamp: e.clientTimestamp,
      receivedAt: e.receivedAt,
      userAgent: e.userAgent,
      country: geo?.country,
      region: geo?.region,
      city: geo?.city,
      postalCode: geo?.postalCode,
      // The country comes from the offline database or not at all (no viewer-country header is read).
      geoSource: geo ? 'mmdb' : 'none',
      revenueCents: e.revenueCents,
      aggPk: w.aggPk,
      aggSk: w.aggSk,
      claim: token,
      claimedAt: now,
      // Retention counts from arrival, so a rewrite of the same event keeps the same expiry.
      expiresAt: Math.floor(e.receivedAt / 1000) + this.deps.ttlSeconds,
    };
  }

  /** One BatchWriteItem of raw items and markers; marks what did not land. */
  private async writeChunk(works: Work[], markers: DoneMarker[], token: string, now: number): Promise<void> {
    const markerPks = new Map(markers.map((m) => [doneKey(m.token).pk, m]));
    const byPk = new Map(works.map((w) => [rawEventKey(w.event.eventId).pk, w]));
    let failed: Set<string>;
    try {
      const unprocessed = await this.deps.store.writeBatch([
        ...markers.map((m) => ({ ...doneKey(m.token), groups: new Set(m.groups), expiresAt: m.expiresAt })),
        ...works.map((w) => this.rawItem(w, token, now)),
      ]);
      failed = new Set(unprocessed.map((i) => i.pk));
    } catch (error) {
      this.deps.log?.warn('analytics.raw-write.failed', { error: String(error) });
      failed = new Set([...markerPks.keys(), ...byPk.keys()]);
    }
    for (const [pk, w] of byPk) if (failed.has(pk)) w.failure = 'raw_write';
    for (const [pk, m] of markerPks) {
      if (failed.has(pk)) this.deps.cleanup.markerFailed(m);
      else this.deps.cleanup.markerLanded(m);
    }
  }

  private async putConditional(work: Work, previousClaim: string | undefined, token: string, now: number): Promise<void> {
    try {
      // Lost the race to another consumer holding the same message: look again next delivery.
      if ((await this.deps.store.putRawConditional(this.rawItem(work, token, now), previousClaim)) === 'lost_race') work.failure = 'in_flight';
    } catch {
      work.failure = 'raw_write';
    }
  }

  /** Writes the campaign index items this container has not written yet; a failure fails its groups. */
  private async writeIndex(groups: Work[][]): Promise<void> {
    const fresh = new Map<string, { item: StoreItem; groups: Work[][] }>();
    for (const members of groups) {
      const w = members[0]!;
      const item = { pk: campaignIndexPk(w.event.campaignId), sk: campaignIndexSk(w.event.adUnitId, w.accountId!) };
      const key = aggregateKey(item.pk, item.sk);
      if (this.indexed.has(key)) continue;
      const entry = fresh.get(key);
      if (entry) entry.groups.push(members);
      else fresh.set(key, { item: { ...item, campaignId: w.event.campaignId, adUnitId: w.event.adUnitId, accountId: w.accountId }, groups: [members] });
    }
    if (!fresh.size) return;
    await forEachLimited(chunk([...fresh.entries()], BATCH_WRITE_MAX), this.deps.concurrency, async (part) => {
      let failed: Set<string>;
      try {
        failed = new Set((await this.deps.store.writeBatch(part.map(([, e]) => e.item))).map((i) => aggregateKey(i.pk, i.sk)));
      } catch (error) {
        this.deps.log?.warn('analytics.index-write.failed', { error: String(error) });
        failed = new Set(part.map(([key]) => key));
      }
      for (const [key, entry] of part) {
        // Without its index item an aggregate would be invisible to the query: do not count yet.
        if (failed.has(key)) for (const members of entry.groups) for (const m of members) m.failure = 'index_write';
        else this.indexed.add(key);
      }
    });
    if (this.indexed.size > INDEXED_MAX) this.indexed.clear();
  }

  private async addToAggregate(key: string, members: Work[], token: string, now: number): Promise<void> {
    const first = members[0]!;
    const impressions = members.filter((m) => m.event.type === 'impression').length;
    // Summed in the same conditional ADD as the counts, so revenue is exactly-once with them.
    const revenueCents = members.reduce((n, m) => n + (m.event.type === 'click' ? (m.event.revenueCents ?? 0) : 0), 0);
    const removals = this.deps.cleanup.removalsFor(key);
    await this.deps.store.addToAggregate({
      pk: first.aggPk!,
      sk: first.aggSk!,
      token,
      impressions,
      clicks: members.length - impressions,
      requests: members.length,
      revenueCents,
      now,
      accountId: first.accountId!,
      campaignId: first.event.campaignId,
      adUnitId: first.event.adUnitId,
      removals,
    });
    this.deps.cleanup.removed(key, removals);
  }
}
