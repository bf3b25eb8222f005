/**
 * Trace records in the Traces table. Every transition is a conditional write on the current
 * status (and, for results, on the lease fence and execution), so redelivered messages, retried
 * tasks and stale lease holders can never move a trace backwards or overwrite a newer result.
 */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TraceRequest } from './trace-request';
import type { FailureClass, TraceRecord, TraceStatus, TraceTimings } from './trace-record';
import type { TraceResult } from '../tracer/types';
import { conditionalWrite } from '../shared/conditional-write';
import { queryItems } from '../shared/dynamo-query';

export interface TraceRepositoryDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Days a trace record is kept (DynamoDB TTL). */
  readonly ttlDays: number;
}

export interface LeaseRef {
  readonly ipId: string;
  readonly fence: number;
  readonly provider: string;
  readonly country: string;
}

export class TraceRepository {
  constructor(private readonly deps: TraceRepositoryDeps) {}

  private get table() {
    return this.deps.tableName;
  }

  private expiresAt(now: number): number {
    return Math.floor(now / 1000) + this.deps.ttlDays * 86_400;
  }

  async get(traceId: string): Promise<TraceRecord | undefined> {
    const out = await this.deps.doc.send(new GetCommand({ TableName: this.table, Key: { traceId }, ConsistentRead: true }));
    return out.Item as TraceRecord | undefined;
  }

  /**
   * The starter's write: a new trace becomes `queued`; a retry attempt (already `queued` by the
   * retry schedule) is left as is. Returns false when the trace is past queueing (a redelivered
   * message for an attempt that already started or finished).
   */
  async enqueue(request: TraceRequest, now: number): Promise<boolean> {
    const record: TraceRecord = {
      traceId: request.traceId,
      offerId: request.offerId,
      source: request.source,
      status: 'queued',
      statusAt: now,
      attempts: 0,
      country: request.country,
      device: request.device,
      request,
      createdAt: request.clickedAt,
      updatedAt: now,
      expiresAt: this.expiresAt(now),
    };
    const written = await conditionalWrite(() =>
      this.deps.doc.send(new PutCommand({ TableName: this.table, Item: record, ConditionExpression: 'attribute_not_exists(traceId)' })),
    );
    if (written.ok) return true;
    const existing = await this.get(request.traceId);
    return existing?.status === 'queued';
  }

  /** queued → running for this attempt's execution. False when another attempt owns the trace. */
  async markRunning(traceId: string, attempt: number, executionName: string, now: number): Promise<boolean> {
    const written = await conditionalWrite(() =>
      this.deps.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { traceId },
          UpdateExpression: 'SET #s = :running, statusAt = :now, attempts = :attempt, executionName = :exec, updatedAt = :now REMOVE #e',
          // A retried AcquireLease task of the same execution finds it running already: fine.
          ConditionExpression: '#s = :queued OR (#s = :running AND executionName = :exec)',
          ExpressionAttributeNames: { '#s': 'status', '#e': 'error' },
          ExpressionAttributeValues: { ':running': 'running', ':queued': 'queued', ':now': now, ':attempt': attempt, ':exec': executionName },
        }),
      ),
    );
    return written.ok;
  }

  /** Records the lease of the running attempt; the fence guards the result written later. */
  async recordLease(traceId: string, executionName: string, lease: LeaseRef, now: number, leaseWaitMs: number): Promise<void> {
    await this.deps.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { traceId },
        UpdateExpression: 'SET ip = :ip, leaseAcquiredAt = :now, updatedAt = :now, timings = :timings REMOVE leaseReleasedAt',
        ConditionExpression: '#s = :running AND executionName = :exec',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':ip': lease, ':now': now, ':running': 'running', ':exec': executionName, ':timings': { leaseWaitMs } },
      }),
    );
  }

  async recordRelease(traceId: string, fence: number, now: number): Promise<void> {
    // Under another fence the trace has a newer lease: this release is not its to note.
    await conditionalWrite(() =>
      this.deps.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { traceId },
          UpdateExpression: 'SET leaseReleasedAt = :now',
          ConditionExpression: 'ip.fence = :fence',
          ExpressionAttributeValues: { ':now': now, ':fence': fence },
        }),
      ),
    );
  }

  /**
   * Stores a trace result and moves the trace to its next status, only if this execution still
   * holds the trace with this fence. Returns false when a newer holder owns it (nothing changed).
   */
  async storeResult(
    traceId: string,
    guard: { executionName: string; fence: number },
    result: TraceResult,
    next: { status: TraceStatus; statusAt: number; error?: { class: FailureClass; message: string } },
    timings: TraceTimings,
    now: number,
  ): Promise<boolean> {
    // An earlier attempt's error or cuts must not stick to this attempt's result.
    const removals = [...(next.error ? [] : ['#e']), ...(result.truncated ? [] : ['truncated'])];
    const written = await conditionalWrite(() =>
      this.deps.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { traceId },
          UpdateExpression:
            'SET #s = :status, statusAt = :statusAt, #m = :mode, outcome = :outcome, finalUrl = :finalUrl, params = :params, hops = :hops, ' +
            'adsCompatibility = :ads, clickIds = :clickIds, proxyBytes = :bytes, timings = :timings, updatedAt = :now' +
            (result.truncated ? ', truncated = :truncated' : '') +
            (next.error ? ', #e = :error' : '') +
            (removals.length ? ` REMOVE ${removals.join(', ')}` : ''),
          ConditionExpression: '#s = :running AND executionName = :exec AND ip.fence = :fence',
          ExpressionAttributeNames: { '#s': 'status', '#m': 'mode', '#e': 'error' },
          ExpressionAttributeValues: {
            ':status': next.status,
            ':statusAt': next.statusAt,
            ':mode': result.mode,
            ':outcome': result.outcome,
            ':finalUrl': result.finalUrl,
            ':params': result.params,
            ':hops': result.hops,
            ':ads': result.adsCompatibility,
            ':clickIds': result.clickIds,
            ':bytes': result.proxyBytes,
            ':timings': timings,
            ':now': now,
            ':running': 'running',
            ':exec': guard.executionName,
            ':fence': guard.fence,
            ...(next.error ? { ':error': next.error } : {}),
            ...(result.truncated ? { ':truncated': result.truncated } : {}),
          },
        }),
      ),
    );
    return written.ok;
  }

  /**
   * A failure without a result (no IP, a crashed or timed-out task, the maintenance sweep):
   * moves the trace from one of `from` to its next status.
   */
  async recordFailure(
    traceId: string,
    from: { statuses: readonly TraceStatus[]; executionName?: string },
    next: { status: TraceStatus; statusAt: number; error: { class: FailureClass; message: string } },
    now: number,
  ): Promise<boolean> {
    const names: Record<string, string> = { '#s': 'status', '#e': 'error' };
    const values: Record<string, unknown> = { ':status': next.status, ':statusAt': next.statusAt, ':error': next.error, ':now': now };
    const allowed = from.statuses.map((s, i) => ((values[`:from${i}`] = s), `#s = :from${i}`)).join(' OR ');
    let condition = `(${allowed})`;
    if (from.executionName) {
      condition += ' AND executionName = :exec';
      values[':exec'] = from.executionName;
    }
    const written = await conditionalWrite(() =>
      this.deps.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { traceId },
          UpdateExpression: 'SET #s = :status, statusAt = :statusAt, #e = :error, updatedAt = :now',
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
    return written.ok;
  }

  /** retry_scheduled → queued, just before the retry's message is sent. */
  async requeue(traceId: string, dueAt: number, now: number): Promise<boolean> {
    const written = await conditionalWrite(() =>
      this.deps.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { traceId },
          UpdateExpression: 'SET #s = :queued, statusAt = :now, updatedAt = :now',
          ConditionExpression: '#s = :retry AND statusAt = :due',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':queued': 'queued', ':retry': 'retry_scheduled', ':due': dueAt, ':now': now },
        }),
      ),
    );
    return written.ok;
  }

  /**
   * Undoes a requeue whose message could not be sent: queued (since `queuedAt`) → `back`. Nothing
   * changes once a starter has moved the trace on.
   */
  async unqueue(traceId: string, queuedAt: number, back: { status: TraceStatus; statusAt: number }): Promise<boolean> {
    const written = await conditionalWrite(() =>
      this.deps.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { traceId },
          UpdateExpression: 'SET #s = :back, statusAt = :backAt',
          ConditionExpression: '#s = :queued AND statusAt = :queuedAt',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':back': back.status, ':backAt': back.statusAt, ':queued': 'queued', ':queuedAt': queuedAt },
        }),
      ),
    );
    return written.ok;
  }

  /**
   * An operator's requeue: a trace in one of `from` → retry_scheduled, due now, so the retry
   * schedule sends it as it sends any retry (marked queued first, crash-safe). One conditional
   * write: of two requeues of the same trace at once, only one moves it. Its retry budget starts
   * afresh from the attempts made so far (`request.attemptsBeforeRequeue`, see budgetAttempt);
   * `attempts` itself is kept, so the next execution gets a name never used before.
   * Not requeued: the status it was in instead (`missing` when there is no such trace).
   */
  async requeueFinal(traceId: string, from: readonly TraceStatus[], now: number): Promise<{ requeued: true } | { requeued: false; status: TraceStatus | 'missing' }> {
    const values: Record<string, unknown> = { ':retry': 'retry_scheduled', ':now': now, ':zero': 0, ':one': 1 };
    const allowed = from.map((s, i) => ((values[`:from${i}`] = s), `#s = :from${i}`)).join(' OR ');
    const written = await conditionalWrite(() =>
      this.deps.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { traceId },
          UpdateExpression:
            'SET #s = :retry, statusAt = :now, updatedAt = :now, requeuedAt = :now, requeues = if_not_exists(requeues, :zero) + :one, ' +
            '#req.attemptsBeforeRequeue = attempts',
          ConditionExpression: `(${allowed})`,
          ExpressionAttributeNames: { '#s': 'status', '#req': 'request' },
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    if (written.ok) return { requeued: true };
    return { requeued: false, status: (written.old?.status as TraceStatus | undefined) ?? 'missing' };
  }

  /**
   * One page of the traces in `status` since `after` (statusAt), oldest first, optionally of one
   * offer only (a filter: DynamoDB reads the other offers' items too, so the reads are bounded by
   * `maxQueries` and the page may come back short with a `nextKey`). `nextKey` continues the
   * reading exactly after the last item read; absent when there is nothing more.
   */
  async pageByStatus(
    status: TraceStatus,
    options: { after: number; offerId?: string; limit: number; startKey?: Record<string, unknown>; maxQueries: number },
  ): Promise<{ items: TraceRecord[]; nextKey?: Record<string, unknown> }> {
    const items: TraceRecord[] = [];
    let startKey = options.startKey;
    let queries = 0;
    do {
      const page = await this.deps.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'byStatus',
          KeyConditionExpression: '#s = :status AND statusAt >= :after',
          ...(options.offerId ? { FilterExpression: 'offerId = :offer' } : {}),
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':status': status, ':after': options.after, ...(options.offerId ? { ':offer': options.offerId } : {}) },
          // Never more read than still wanted: the key where the reading stops is then exact.
          Limit: options.limit - items.length,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...((page.Items ?? []) as TraceRecord[]));
      startKey = page.LastEvaluatedKey;
      queries++;
    } while (startKey && items.length < options.limit && queries < options.maxQueries);
    return { items, ...(startKey ? { nextKey: startKey } : {}) };
  }

  /** Traces in `status` whose statusAt is at most `before`, oldest first (GSI byStatus). */
  async byStatus(status: TraceStatus, options: { before?: number; after?: number; limit: number; newestFirst?: boolean }): Promise<TraceRecord[]> {
    const range =
      options.before !== undefined && options.after !== undefined
        ? ' AND statusAt BETWEEN :after AND :before'
        : options.before !== undefined
          ? ' AND statusAt <= :before'
          : options.after !== undefined
            ? ' AND statusAt >= :after'
            : '';
    const { items } = await queryItems<TraceRecord>(
      this.deps.doc,
      {
        TableName: this.table,
        IndexName: 'byStatus',
        KeyConditionExpression: `#s = :status${range}`,
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':status': status,
          ...(options.before !== undefined ? { ':before': options.before } : {}),
          ...(options.after !== undefined ? { ':after': options.after } : {}),
        },
        ScanIndexForward: !options.newestFirst,
      },
      { limit: options.limit },
    );
    return items;
  }

  /** An offer's traces, newest first; `since`: only those created then or later (the index's sort key). */
  async byOffer(offerId: string, limit: number, since?: number): Promise<TraceRecord[]> {
    const out = await this.deps.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byOffer',
        KeyConditionExpression: since === undefined ? 'offerId = :o' : 'offerId = :o AND createdAt >= :since',
        ExpressionAttributeValues: { ':o': offerId, ...(since === undefined ? {} : { ':since': since }) },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []) as TraceRecord[];
  }
}
