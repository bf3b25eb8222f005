/**
 * Events queue consumer: a batch of up to 100 events → raw events (TTL) + hourly aggregates.
 *
 * ## Exactly-once counting without transactions
 * The raw event write and the aggregate ADD are two writes; a crash (or a failed call) between
 * them must neither lose nor double an event when SQS redelivers it. Each invocation draws a
 * fresh batch token T and:
 *
 *  1. reads the raw items of its events (BatchGetItem, consistent). Absent → new. Present → it
 *     was claimed by an earlier attempt T′: counted iff aggregate item g′ (stored on the raw item)
 *     carries the attribute tok_T′, or the marker aggdone#T′ lists g′ (see 4). Counted → skip.
 *     Not counted → re-count it under T, but only once T′ is surely dead (claimedAt older than
 *     `inFlightGraceMs`, which must be ≥ the function timeout); a fresher claim is reported as a
 *     batch item failure and looked at again on the next delivery.
 *  2. writes the raw items with claim = T (the raw event and the claim are one write).
 *  3. per aggregate item: ONE UpdateItem `ADD impressions, clicks SET tok_T` with condition
 *     `attribute_not_exists(tok_T)`. The counts and the proof that T was added land atomically in
 *     the same item, so "was T′ counted?" always has a true answer; the condition makes the SDK's
 *     own retries of an ambiguous failure harmless (a failed condition = already applied).
 *  4. records aggdone#T listing the aggregates T was added to. Only then may tok_T be removed from
 *     those aggregates (piggybacked as REMOVE on this container's next ADD to the same item), so
 *     the tokens do not pile up on hot items and the answer to 1 survives the cleanup. The marker
 *     is not a request of its own: it rides in the first raw BatchWriteItem chunk of this
 *     container's next batch (strictly after T's ADDs, as it must be; with `rawWrites:
 *     'conditional'` in a BatchWriteItem of its own), and the tokens it covers
 *     are queued for removal once that chunk has landed. If it never lands (the container dies
 *     first, or the write fails and is retried with the batch after), tok_T simply stays.
 *
 * Steps 2–3 run as one pipeline on `concurrency` request slots: raw items are sorted by aggregate
 * and chunked, and each aggregate's ADD starts as soon as the chunks holding *its* members have
 * landed, overlapping the remaining raw writes (a member whose raw write failed is left out of the
 * ADD and reported). Per batch of 100 events with G aggregate items that is 1 BatchGetItem +
 * ⌈(100 + markers) / 25⌉ BatchWriteItem + G UpdateItem — the floor for this design: the read
 * must precede the raw write (which overwrites the earlier claim it has to inspect), the raw
 * write must precede the ADD (or a crash in between would count an event whose raw item is
 * missing, i.e. twice on redelivery), and without transactions each aggregate item is its own
 * conditional write. (PartiQL BatchExecuteStatement UPDATEs would send the G ADDs in ⌈G/25⌉
 * requests with the same per-item semantics, but DynamoDB Local runs them one by one at the cost
 * of an UpdateItem each, and they need extra IAM actions: measured no faster locally at high
 * fan-out and slower at 12 aggregates per batch, so not used.)
 *
 * Crash before 3: raw items claimed, no token → re-counted on redelivery. Crash after 3: token (or
 * marker) present → not re-counted. Leftover tokens after a crash are a few harmless bytes.
 *
 * `rawWrites: 'batch'` (default) writes raw items with BatchWriteItem: exact under redelivery
 * (SQS redelivers after the visibility timeout, when the earlier invocation has ended) and fast.
 * Two invocations holding the same message at the same moment (a rare SQS duplicate) could both
 * see it absent; `rawWrites: 'conditional'` closes that too (PutItem attribute_not_exists /
 * claim = T′ per event) at one request per event — the same cost on DynamoDB, slower locally.
 */
import {
  BatchGetCommand,
  BatchWriteCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { v7 as uuidv7 } from 'uuid';
import type { GeoLookup } from '../geo/geo-lookup';
import type { AccountResolver } from './account-resolver';
import { parseQueuedEvent, type QueuedEvent } from './event-schema';
import {
  aggPk,
  campaignIndexPk,
  campaignIndexSk,
  doneKey,
  hourOf,
  hourSk,
  rawEventKey,
  tokenAttr,
} from './keys';
import { isConditionFailure } from '../shared/dynamo-errors';

/** The part of an SQS record the aggregator reads. */
export interface QueueRecord {
  readonly messageId: string;
  readonly body: string;
}

export interface AggregatorLogger {
  warn(message: string, extra?: Record<string, unknown>): void;
}

export interface AggregatorDeps {
  readonly doc: Pick<DynamoDBDocumentClient, 'send'>;
  /** The Analytics table. */
  readonly tableName: string;
  readonly accounts: AccountResolver;
  /** City DB lookup; events are stored without geo when absent. */
  readonly geo?: GeoLookup;
  readonly now?: () => number;
  /** Raw event retention. @default 90 */
  readonly rawTtlDays?: number;
  /** @default 'batch' */
  readonly rawWrites?: 'batch' | 'conditional';
  /** A claim younger than this may still be in flight elsewhere. ≥ the function timeout. @default 120_000 */
  readonly inFlightGraceMs?: number;
  /** Parallel DynamoDB requests per batch. @default 4 */
  readonly concurrency?: number;
  readonly newToken?: () => string;
  readonly log?: AggregatorLogger;
}

export type FailureReason = 'malformed' | 'account_lookup' | 'raw_write' | 'in_flight' | 'index_write' | 'aggregate_write' | 'read';

export interface BatchStats {
  readonly records: number;
  /** Events added to the aggregates by this invocation. */
  readonly counted: number;
  /** Events skipped because an earlier delivery already counted them. */
  readonly duplicates: number;
  /** Events an earlier attempt had stored but not counted, counted now. */
  readonly recovered: number;
  readonly failed: number;
  readonly failures: Readonly<Partial<Record<FailureReason, number>>>;
  readonly aggregateUpdates: number;
}

export interface BatchOutcome {
  /** SQS partial batch response: return it from the handler (ReportBatchItemFailures). */
  readonly batchItemFailures: { itemIdentifier: string }[];
  readonly stats: BatchStats;
}

interface Work {
  readonly event: QueuedEvent;
  readonly messageIds: string[];
  accountId?: string;
  aggPk?: string;
  aggSk?: string;
  recovered?: boolean;
  failure?: FailureReason;
}

interface RawClaim {
  pk: string;
  claim?: string;
  claimedAt?: number;
  aggPk?: string;
  aggSk?: string;
}

const BATCH_GET_MAX = 100;
const BATCH_WRITE_MAX = 25;
const UNPROCESSED_ATTEMPTS = 6;
/** Token attributes waiting for removal, per aggregate item; bounded so a long-lived container cannot grow without end. */
const PENDING_REMOVAL_MAX_ITEMS = 5_000;
const PENDING_REMOVAL_PER_ITEM = 20;
const PENDING_MARKERS_MAX = 20;

interface DoneMarker {
  readonly token: string;
  readonly groups: string[];
  readonly expiresAt: number;
}

export class Aggregator {
  private readonly now: () => number;
  private readonly ttlSeconds: number;
  private readonly rawWrites: 'batch' | 'conditional';
  private readonly graceMs: number;
  private readonly concurrency: number;
  private readonly newToken: () => string;
  /** aggregate "pk|sk" → token attributes whose aggdone marker is written: safe to REMOVE. */
  private readonly pendingRemoval = new Map<string, string[]>();
  /** Campaign index items already written by this container. */
  private readonly indexed = new Set<string>();
  /** aggdone markers of earlier batches, to be written with the next raw items. */
  private readonly pendingMarkers: DoneMarker[] = [];

  constructor(private readonly deps: AggregatorDeps) {
    this.now = deps.now ?? Date.now;
    this.ttlSeconds = Math.round((deps.rawTtlDays ?? 90) * 86_400);
    this.rawWrites = deps.rawWrites ?? 'batch';
    this.graceMs = deps.inFlightGraceMs ?? 120_000;
    this.concurrency = Math.max(1, deps.concurrency ?? 4);
    this.newToken = deps.newToken ?? (() => uuidv7().replaceAll('-', ''));
  }

  /**
   * Processes one SQS batch. Failures are per record (their messageIds come back as
   * batchItemFailures, built by Powertools' BatchProcessor); it never throws for a record's sake.
   */
  async processBatch(records: readonly QueueRecord[]): Promise<BatchOutcome> {
    const { failedIds, stats } = await this.run(records);
    const response = await processPartialResponse(
      { Records: records as unknown as Record<string, unknown>[] },
      async (record: QueueRecord) => {
        const reason = failedIds.get(record.messageId);
        if (reason) throw new AggregationError(reason, record.messageId);
      },
      new BatchProcessor(EventType.SQS),
      { throwOnFullBatchFailure: false },
    );
    return { batchItemFailures: response.batchItemFailures, stats };
  }

  private async run(records: readonly QueueRecord[]) {
    const token = this.newToken();
    const now = this.now();
    const failedIds = new Map<string, FailureReason>();
    const failures: Partial<Record<FailureReason, number>> = {};
    const fail = (ids: readonly string[], reason: FailureReason) => {
      for (const id of ids) failedIds.set(id, reason);
      failures[reason] = (failures[reason] ?? 0) + ids.length;
    };

    // Parse, and fold SQS duplicates inside one batch into one unit of work.
    const works = new Map<string, Work>();
    for (const record of records) {
      const event = parseQueuedEvent(record.body);
      if (!event) {
        // Poison message: let SQS move it to the DLQ after maxReceiveCount for someone to look at.
        fail([record.messageId], 'malformed');
        continue;
      }
      const existing = works.get(event.eventId);
      if (existing) existing.messageIds.push(record.messageId);
      else works.set(event.eventId, { event, messageIds: [record.messageId] });
    }

    await this.resolveAccounts([...works.values()]);
    for (const w of works.values()) {
      if (w.failure) continue;
      w.aggPk = aggPk(w.accountId!, w.event.campaignId, w.event.adUnitId);
      w.aggSk = hourSk(hourOf(w.event.timestamp));
    }

    const live = () => [...works.values()].filter((w) => !w.failure);
    let duplicates = 0;

    // 1. Earlier claims.
    const claims = await this.readClaims(live());
    const inDoubt: { work: Work; claim: RawClaim }[] = [];
    const toWrite: { work: Work; previousClaim?: string }[] = [];
    for (const w of live()) {
      if (claims === 'failed') {
        w.failure = 'read';
        continue;
      }
      const claim = claims.get(rawEventKey(w.event.eventId).pk);
      if (!claim) toWrite.push({ work: w });
      else inDoubt.push({ work: w, claim });
    }
    if (inDoubt.length) {
      const counted = await this.countedClaims(inDoubt.map((d) => d.claim));
      for (const { work, claim } of inDoubt) {
        if (counted === 'failed') work.failure = 'read';
        else if (counted.has(claim.pk)) {
          duplicates += work.messageIds.length;
          works.delete(work.event.eventId);
        } else if (claim.claimedAt !== undefined && now - claim.claimedAt < this.graceMs) {
          work.failure = 'in_flight';
        } else {
          work.recovered = true;
          toWrite.push({ work, ...(claim.claim ? { previousClaim: claim.claim } : {}) });
        }
      }
    }

    // 2–4. Raw events (claimed by T) and the markers of earlier batches, then each aggregate ADD as
    // soon as the raw events of its own members are durable.
    const applied = await this.writeAndAggregate(toWrite, token, now);
    if (applied.length) {
      // The marker of T is written with the next batch's raw events, never before these ADDs.
      this.pendingMarkers.push({ token, groups: applied, expiresAt: Math.floor(now / 1000) + this.ttlSeconds });
      if (this.pendingMarkers.length > PENDING_MARKERS_MAX) this.pendingMarkers.shift();
    }

    let counted = 0;
    let recovered = 0;
    const written = new Set(toWrite.map((t) => t.work));
    for (const w of works.values()) {
      if (w.failure) fail(w.messageIds, w.failure);
      else if (written.has(w)) {
        counted += 1;
        if (w.recovered) recovered += 1;
      }
    }
    const stats: BatchStats = {
      records: records.length,
      counted,
      duplicates,
      recovered,
      failed: failedIds.size,
      failures,
      aggregateUpdates: applied.length,
    };
    return { failedIds, stats };
  }

  private async resolveAccounts(works: Work[]): Promise<void> {
    const campaigns = [...new Set(works.map((w) => w.event.campaignId))];
    const accounts = new Map<string, string | undefined>();
    await Promise.all(
      campaigns.map(async (c) => {
        try {
          accounts.set(c, await this.deps.accounts.accountFor(c));
        } catch (error) {
          this.deps.log?.warn('analytics.account-lookup.failed', { campaignId: c, error: String(error) });
          accounts.set(c, undefined);
        }
      }),
    );
    for (const w of works) {
      const account = accounts.get(w.event.campaignId);
      if (account === undefined) w.failure = 'account_lookup';
      else w.accountId = account;
    }
  }

  private async readClaims(works: Work[]): Promise<Map<string, RawClaim> | 'failed'> {
    const keys = works.map((w) => rawEventKey(w.event.eventId));
    try {
      const items = await this.batchGet(keys, 'pk, claim, claimedAt, aggPk, aggSk');
      return new Map(items.map((i) => [i.pk as string, i as unknown as RawClaim]));
    } catch (error) {
      this.deps.log?.warn('analytics.claims.read-failed', { error: String(error) });
      return 'failed';
    }
  }

  /** The raw item pks among `claims` whose claim was already added into its aggregate. */
  private async countedClaims(claims: RawClaim[]): Promise<Set<string> | 'failed'> {
    const counted = new Set<string>();
    const withClaim = claims.filter((c) => c.claim && c.aggPk && c.aggSk);
    if (!withClaim.length) return counted;
    try {
      const tokens = [...new Set(withClaim.map((c) => c.claim!))];
      const names: Record<string, string> = {};
      tokens.forEach((t, i) => (names[`#t${i}`] = tokenAttr(t)));
      const aggKeys = dedupeKeys(withClaim.map((c) => ({ pk: c.aggPk!, sk: c.aggSk! })));
      const [aggs, dones] = await Promise.all([
        this.batchGet(aggKeys, ['pk', 'sk', ...Object.keys(names)].join(', '), names),
        this.batchGet(tokens.map(doneKey), 'pk, groups'),
      ]);
      const aggByKey = new Map(aggs.map((a) => [`${a.pk}|${a.sk}`, a]));
      const groupsByToken = new Map(
        dones.map((d) => [(d.pk as string).slice('aggdone#'.length), d.groups as Set<string> | undefined]),
      );
      for (const c of withClaim) {
        const key = `${c.aggPk}|${c.aggSk}`;
        if (aggByKey.get(key)?.[tokenAttr(c.claim!)] !== undefined || groupsByToken.get(c.claim!)?.has(key)) {
          counted.add(c.pk);
        }
      }
      return counted;
    } catch (error) {
      this.deps.log?.warn('analytics.claims.check-failed', { error: String(error) });
      return 'failed';
    }
  }

  private rawItem(w: Work, token: string, now: number): Record<string, unknown> {
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
      aggPk: w.aggPk,
      aggSk: w.aggSk,
      claim: token,
      claimedAt: now,
      // Retention counts from arrival, so a rewrite of the same event keeps the same expiry.
      expiresAt: Math.floor(e.receivedAt / 1000) + this.ttlSeconds,
    };
  }

  /**
   * Steps 2–4 as one pipeline on `concurrency` request slots. The raw items go out sorted by
   * aggregate, in BatchWriteItem chunks (or one conditional PutItem each); the markers of earlier
   * batches ride in the first chunk. An aggregate's ADD waits for the chunks holding its own members
   * (and for its campaign index item) only, so ADDs overlap the rest of the raw writes; a member
   * whose raw write failed is left out of the ADD and reported. Returns the aggregate keys T was
   * added to.
   */
  private async writeAndAggregate(items: { work: Work; previousClaim?: string }[], token: string, now: number): Promise<string[]> {
    const slot = limiter(this.concurrency);
    const groups = new Map<string, Work[]>();
    const previous = new Map<Work, string>();
    for (const { work, previousClaim } of items) {
      if (work.failure) continue;
      if (previousClaim) previous.set(work, previousClaim);
      const key = `${work.aggPk}|${work.aggSk}`;
      const list = groups.get(key);
      if (list) list.push(work);
      else groups.set(key, [work]);
    }
    const markers = this.pendingMarkers.splice(0);
    const written = new Map<Work, Promise<void>>();
    let markersWritten: Promise<void> | undefined;
    if (this.rawWrites === 'conditional') {
      if (markers.length) markersWritten = slot(() => this.writeChunk([], markers, token, now));
      for (const members of groups.values()) {
        for (const w of members) written.set(w, slot(() => this.putConditional(w, previous.get(w), token, now)));
      }
    } else {
      const requests: ({ work: Work } | { marker: DoneMarker })[] = [
        ...markers.map((marker) => ({ marker })),
        ...[...groups.values()].flat().map((work) => ({ work })),
      ];
      // Even chunks: 101 requests go as 21+20+20+20+20, not 25+25+25+25+1.
      const size = Math.ceil(requests.length / Math.ceil(requests.length / BATCH_WRITE_MAX)) || 1;
      for (const part of chunk(requests, size)) {
        const works = part.flatMap((r) => ('work' in r ? [r.work] : []));
        const done = slot(() => this.writeChunk(works, part.flatMap((r) => ('marker' in r ? [r.marker] : [])), token, now));
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

  /** One BatchWriteItem of raw items and markers; marks what did not land. */
  private async writeChunk(works: Work[], markers: DoneMarker[], token: string, now: number): Promise<void> {
    const markerPks = new Map(markers.map((m) => [doneKey(m.token).pk, m]));
    const byPk = new Map(works.map((w) => [rawEventKey(w.event.eventId).pk, w]));
    let unprocessed: { PutRequest: { Item: Record<string, unknown> } }[];
    try {
      unprocessed = await this.batchWrite([
        ...markers.map((m) => ({ PutRequest: { Item: { ...doneKey(m.token), groups: new Set(m.groups), expiresAt: m.expiresAt } } })),
        ...works.map((w) => ({ PutRequest: { Item: this.rawItem(w, token, now) } })),
      ]);
    } catch (error) {
      this.deps.log?.warn('analytics.raw-write.failed', { error: String(error) });
      unprocessed = [...markerPks.keys(), ...byPk.keys()].map((pk) => ({ PutRequest: { Item: { pk } } }));
    }
    const failed = new Set(unprocessed.map((r) => r.PutRequest.Item.pk as string));
    for (const [pk, w] of byPk) if (failed.has(pk)) w.failure = 'raw_write';
    for (const [pk, m] of markerPks) {
      if (!failed.has(pk)) {
        // Durable: from now on tok_T may go from those items (the marker answers for it).
        for (const key of m.groups) this.queueRemoval(key, tokenAttr(m.token));
      } else if (this.pendingMarkers.length < PENDING_MARKERS_MAX) {
        // Not an event failure: the tokens stay on the aggregates, which is the proof that counts.
        this.pendingMarkers.push(m);
      }
    }
  }

  private async putConditional(work: Work, previousClaim: string | undefined, token: string, now: number): Promise<void> {
    try {
      await this.deps.doc.send(
        new PutCommand({
          TableName: this.deps.tableName,
          Item: this.rawItem(work, token, now),
          ConditionExpression: previousClaim ? 'claim = :previous' : 'attribute_not_exists(pk)',
          ...(previousClaim ? { ExpressionAttributeValues: { ':previous': previousClaim } } : {}),
        }),
      );
    } catch (error) {
      // Lost the race to another consumer holding the same message: look again next delivery.
      work.failure = isConditionFailure(error) ? 'in_flight' : 'raw_write';
    }
  }

  /** Writes the campaign index items this container has not written yet; a failure fails its groups. */
  private async writeIndex(groups: Work[][]): Promise<void> {
    const fresh = new Map<string, Work[][]>();
    for (const members of groups) {
      const w = members[0]!;
      const key = `${campaignIndexPk(w.event.campaignId)}|${campaignIndexSk(w.event.adUnitId, w.accountId!)}`;
      if (this.indexed.has(key)) continue;
      fresh.set(key, [...(fresh.get(key) ?? []), members]);
    }
    if (!fresh.size) return;
    const requests = [...fresh.entries()].map(([key, [members]]) => {
      const w = members![0]!;
      const [pk, sk] = key.split('|') as [string, string];
      return {
        key,
        PutRequest: { Item: { pk, sk, campaignId: w.event.campaignId, adUnitId: w.event.adUnitId, accountId: w.accountId } },
      };
    });
    await mapLimit(chunk(requests, BATCH_WRITE_MAX), this.concurrency, async (part) => {
      let unprocessed: { PutRequest: { Item: Record<string, unknown> } }[];
      try {
        unprocessed = await this.batchWrite(part.map(({ PutRequest }) => ({ PutRequest })));
      } catch (error) {
        this.deps.log?.warn('analytics.index-write.failed', { error: String(error) });
        unprocessed = part;
      }
      const failed = new Set(unprocessed.map((r) => `${r.PutRequest.Item.pk}|${r.PutRequest.Item.sk}`));
      for (const { key } of part) {
        // Without its index item an aggregate would be invisible to the query: do not count yet.
        if (failed.has(key)) for (const members of fresh.get(key) ?? []) for (const m of members) m.failure = 'index_write';
        else this.indexed.add(key);
      }
    });
    if (this.indexed.size > 50_000) this.indexed.clear();
  }

  /** Forgets the token attributes just removed from an item (others may have been queued since). */
  private removed(key: string, attrs: readonly string[]): void {
    if (!attrs.length) return;
    const left = (this.pendingRemoval.get(key) ?? []).filter((a) => !attrs.includes(a));
    if (left.length) this.pendingRemoval.set(key, left);
    else this.pendingRemoval.delete(key);
  }

  private async addToAggregate(key: string, members: Work[], token: string, now: number): Promise<void> {
    const first = members[0]!;
    const impressions = members.filter((m) => m.event.type === 'impression').length;
    const clicks = members.length - impressions;
    const [pk, sk] = [first.aggPk!, first.aggSk!];
    const removals = [...(this.pendingRemoval.get(key) ?? [])];
    const names: Record<string, string> = { '#tok': tokenAttr(token) };
    removals.forEach((attr, i) => (names[`#r${i}`] = attr));
    const remove = removals.length ? ` REMOVE ${removals.map((_, i) => `#r${i}`).join(', ')}` : '';
    try {
      await this.deps.doc.send(
        new UpdateCommand({
          TableName: this.deps.tableName,
          Key: { pk, sk },
          UpdateExpression:
            'ADD impressions :i, clicks :c SET #tok = :now, accountId = :a, campaignId = :cid, adUnitId = :u, updatedAt = :now' +
            remove,
          ConditionExpression: 'attribute_not_exists(#tok)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ':i': impressions,
            ':c': clicks,
            ':now': now,
            ':a': first.accountId,
            ':cid': first.event.campaignId,
            ':u': first.event.adUnitId,
          },
        }),
      );
    } catch (error) {
      // tok_T already there: an SDK retry of a request that had in fact succeeded.
      if (!isConditionFailure(error)) throw error;
    }
    this.removed(key, removals);
  }

  private queueRemoval(key: string, attr: string): void {
    const list = this.pendingRemoval.get(key) ?? [];
    list.push(attr);
    // Oldest first out: a dropped entry only leaves one stale attribute behind.
    this.pendingRemoval.delete(key);
    this.pendingRemoval.set(key, list.slice(-PENDING_REMOVAL_PER_ITEM));
    if (this.pendingRemoval.size > PENDING_REMOVAL_MAX_ITEMS) {
      const oldest = this.pendingRemoval.keys().next().value;
      if (oldest !== undefined) this.pendingRemoval.delete(oldest);
    }
  }

  private async batchGet(
    keys: { pk: string; sk: string }[],
    projection: string,
    names?: Record<string, string>,
  ): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    await mapLimit(chunk(keys, BATCH_GET_MAX), this.concurrency, async (part) => {
      let pending: Record<string, unknown>[] = part;
      for (let attempt = 0; pending.length; attempt++) {
        if (attempt >= UNPROCESSED_ATTEMPTS) throw new Error('BatchGetItem left keys unprocessed');
        if (attempt) await sleep(backoffMs(attempt));
        const res = await this.deps.doc.send(
          new BatchGetCommand({
            RequestItems: {
              [this.deps.tableName]: {
                Keys: pending,
                ConsistentRead: true,
                ProjectionExpression: projection,
                ...(names ? { ExpressionAttributeNames: names } : {}),
              },
            },
          }),
        );
        out.push(...(res.Responses?.[this.deps.tableName] ?? []));
        pending = res.UnprocessedKeys?.[this.deps.tableName]?.Keys ?? [];
      }
    });
    return out;
  }

  /** Returns the requests still unprocessed after the retries. */
  private async batchWrite<R extends { PutRequest: { Item: Record<string, unknown> } }>(requests: R[]): Promise<R[]> {
    let pending = requests;
    for (let attempt = 0; pending.length && attempt < UNPROCESSED_ATTEMPTS; attempt++) {
      if (attempt) await sleep(backoffMs(attempt));
      const res = await this.deps.doc.send(
        new BatchWriteCommand({ RequestItems: { [this.deps.tableName]: pending as { PutRequest: { Item: Record<string, unknown> } }[] } }),
      );
      pending = (res.UnprocessedItems?.[this.deps.tableName] ?? []) as R[];
    }
    return pending;
  }
}

export class AggregationError extends Error {
  override readonly name = 'AggregationError';
  constructor(
    readonly reason: FailureReason,
    readonly messageId: string,
  ) {
    super(`Event message ${messageId} not aggregated: ${reason}`);
  }
}

export function createAggregator(deps: AggregatorDeps): Aggregator {
  return new Aggregator(deps);
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function dedupeKeys(keys: { pk: string; sk: string }[]): { pk: string; sk: string }[] {
  return [...new Map(keys.map((k) => [`${k.pk}|${k.sk}`, k])).values()];
}

/** A semaphore: at most `limit` of the functions passed run at once, in the order they were passed. */
function limiter(limit: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active < limit) active += 1;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active -= 1;
    }
  };
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const backoffMs = (attempt: number) => Math.min(1_000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
