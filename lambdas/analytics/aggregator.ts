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
 *  3. per aggregate item: ONE UpdateItem `ADD impressions, clicks, requests, revenue_cents SET tok_T` with condition
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
 *
 * This module is the use case (parse, resolve accounts, step 1, stats and the partial batch
 * response). claims.ts decides step 1, aggregate-pipeline.ts runs steps 2–4, token-cleanup.ts keeps
 * the markers and tokens of step 4, aggregate-store.ts does the DynamoDB I/O.
 */
import { v7 as uuidv7 } from 'uuid';
import type { GeoLookup } from '../geo/geo-lookup';
import type { AccountResolver } from './account-resolver';
import { AggregationPipeline, type ToWrite, type Work } from './aggregate-pipeline';
import { claimCheck, decideClaim, wasCounted, type CountEvidence, type RawClaim } from './claims';
import { parseQueuedEvent } from './event-schema';
import { aggPk, hourOf, hourSk, rawEventKey } from './keys';
import { TokenCleanup } from './token-cleanup';

/** The part of an SQS record the aggregator reads. */
export interface QueueRecord {
  readonly messageId: string;
  readonly body: string;
}

export interface AggregatorLogger {
  warn(message: string, extra?: Record<string, unknown>): void;
}

/** An item as the store writes it. */
export type StoreItem = Record<string, unknown> & { readonly pk: string; readonly sk: string };

/** One aggregate item's ADD for batch `token`, with the token attributes it may shed. */
export interface AggregateUpdate {
  readonly pk: string;
  readonly sk: string;
  readonly token: string;
  readonly impressions: number;
  readonly clicks: number;
  /** Every event of the batch in this aggregate, whatever its type. */
  readonly requests: number;
  /** The clicks' revenue_cents, summed. */
  readonly revenueCents: number;
  readonly now: number;
  readonly accountId: string;
  readonly campaignId: string;
  readonly adUnitId: string;
  readonly removals: readonly string[];
}

/** The Analytics table as the aggregator uses it (DynamoAggregateStore in aggregate-store.ts). Failures throw. */
export interface AggregateStore {
  /** The raw items of these events that exist (consistent read). */
  readClaims(eventIds: readonly string[]): Promise<RawClaim[]>;
  /** The aggregates' tok_* attributes for `tokens`, and the tokens' done markers. */
  readEvidence(tokens: readonly string[], aggregateKeys: readonly { pk: string; sk: string }[]): Promise<CountEvidence>;
  /** One batch of puts (≤ BATCH_WRITE_MAX in aggregate-pipeline.ts); returns the items that did not land. */
  writeBatch<I extends StoreItem>(items: readonly I[]): Promise<I[]>;
  /** A raw item over no item, or over the claim `previousClaim` only. */
  putRawConditional(item: StoreItem, previousClaim: string | undefined): Promise<'written' | 'lost_race'>;
  /** ADD under `attribute_not_exists(tok_T)`; an already applied ADD resolves. */
  addToAggregate(update: AggregateUpdate): Promise<void>;
}

export interface AggregatorDeps {
  readonly store: AggregateStore;
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
  /** Parallel requests per batch. @default 4 */
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
  /** SQS partial batch response (ReportBatchItemFailures): one entry per failed record, in record order. */
  readonly batchItemFailures: { itemIdentifier: string }[];
  readonly stats: BatchStats;
}

export class Aggregator {
  private readonly store: AggregateStore;
  private readonly now: () => number;
  private readonly ttlSeconds: number;
  private readonly graceMs: number;
  private readonly newToken: () => string;
  private readonly cleanup = new TokenCleanup();
  private readonly pipeline: AggregationPipeline;

  constructor(private readonly deps: AggregatorDeps) {
    this.store = deps.store;
    this.now = deps.now ?? Date.now;
    this.ttlSeconds = Math.round((deps.rawTtlDays ?? 90) * 86_400);
    this.graceMs = deps.inFlightGraceMs ?? 120_000;
    this.newToken = deps.newToken ?? (() => uuidv7().replaceAll('-', ''));
    this.pipeline = new AggregationPipeline({
      store: deps.store,
      cleanup: this.cleanup,
      rawWrites: deps.rawWrites ?? 'batch',
      concurrency: Math.max(1, deps.concurrency ?? 4),
      ttlSeconds: this.ttlSeconds,
      geo: deps.geo,
      log: deps.log,
    });
  }

  /** Processes one SQS batch. Failures are per record; it never throws for a record's sake. */
  async processBatch(records: readonly QueueRecord[]): Promise<BatchOutcome> {
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

    // 1. Earlier claims.
    const { toWrite, duplicates } = await this.decide(
      [...works.values()].filter((w) => !w.failure),
      now,
    );
    for (const d of duplicates) works.delete(d.event.eventId);

    // 2–4. Raw events (claimed by T) and the markers of earlier batches, then each aggregate ADD as
    // soon as the raw events of its own members are durable.
    const applied = await this.pipeline.run(toWrite, token, now);
    // The marker of T is written with the next batch's raw events, never before these ADDs.
    if (applied.length) this.cleanup.batchApplied({ token, groups: applied, expiresAt: Math.floor(now / 1000) + this.ttlSeconds });

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
    return {
      batchItemFailures: records.filter((r) => failedIds.has(r.messageId)).map((r) => ({ itemIdentifier: r.messageId })),
      stats: {
        records: records.length,
        counted,
        duplicates: duplicates.reduce((n, d) => n + d.messageIds.length, 0),
        recovered,
        failed: failedIds.size,
        failures,
        aggregateUpdates: applied.length,
      },
    };
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

  /** Step 1: reads what earlier attempts left and decides each event (claims.ts); a failed read fails them all. */
  private async decide(live: Work[], now: number): Promise<{ toWrite: ToWrite[]; duplicates: Work[] }> {
    const toWrite: ToWrite[] = [];
    const duplicates: Work[] = [];
    let claims: Map<string, RawClaim>;
    try {
      claims = new Map((await this.store.readClaims(live.map((w) => w.event.eventId))).map((c) => [c.pk, c]));
    } catch (error) {
      this.deps.log?.warn('analytics.claims.read-failed', { error: String(error) });
      for (const w of live) w.failure = 'read';
      return { toWrite, duplicates };
    }
    const inDoubt = live.flatMap((w) => {
      const claim = claims.get(rawEventKey(w.event.eventId).pk);
      if (!claim) toWrite.push({ work: w });
      return claim ? [{ work: w, claim }] : [];
    });
    if (!inDoubt.length) return { toWrite, duplicates };
    let evidence: CountEvidence;
    try {
      const check = claimCheck(inDoubt.map((d) => d.claim));
      evidence = check.checkable.length ? await this.store.readEvidence(check.tokens, check.aggregateKeys) : { aggregates: new Map(), doneGroups: new Map() };
    } catch (error) {
      this.deps.log?.warn('analytics.claims.check-failed', { error: String(error) });
      for (const { work } of inDoubt) work.failure = 'read';
      return { toWrite, duplicates };
    }
    for (const { work, claim } of inDoubt) {
      const decision = decideClaim(claim, wasCounted(claim, evidence), now, this.graceMs);
      if (decision.action === 'duplicate') duplicates.push(work);
      else if (decision.action === 'in_flight') work.failure = 'in_flight';
      else {
        work.recovered = true;
        toWrite.push({ work, ...(decision.action === 'recover' && decision.previousClaim ? { previousClaim: decision.previousClaim } : {}) });
      }
    }
    return { toWrite, duplicates };
  }
}
