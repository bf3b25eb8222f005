/**
 * Alerts: at most one open alert per type, opened and resolved by the health check.
 *
 * Keys in Ops:
 * - open alert:      pk `alert#<type>`, sk `open` (no TTL: it lives until resolved)
 * - resolved alert:  pk `alert#<type>`, sk `resolved#<resolvedAt ISO>`, TTL after the retention
 *
 * Concurrency (two health checks at once, an invocation retried): every step is a conditional
 * write, so whatever interleaving happens, exactly one run opens an alert (put with
 * attribute_not_exists) and exactly one run resolves it (delete with attribute_exists, ALL_OLD).
 * Notifications are claimed before they are sent (`publishedAt` set with attribute_not_exists):
 * one notification per opening and per resolution; when sending fails the claim is released and
 * the next run sends it again, so a notification is never lost to a failed publish.
 */
import { BatchGetCommand, type BatchGetCommandOutput, DeleteCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ALERT_TYPES, type AlertType, type HealthWarning, type Severity } from './thresholds';
import { isConditionFailure } from '../shared/dynamo-errors';

export interface AlertEvent {
  readonly kind: 'opened' | 'resolved';
  readonly type: AlertType;
  readonly severity: Severity;
  readonly message: string;
  readonly recommendation: string;
  readonly value: number;
  readonly threshold: number;
  readonly openedAt: string;
  readonly resolvedAt?: string;
}

/** Where openings and resolutions go (the handler's adapter: EventBridge, which fans out to SNS). */
export interface AlertPublisher {
  publish(event: AlertEvent): Promise<void>;
}

export interface AlertDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly opsTable: string;
  readonly publisher: AlertPublisher;
  /** Days a resolved alert is kept. @default 30 */
  readonly historyDays?: number;
}

export interface OpenAlert {
  readonly type: AlertType;
  readonly severity: Severity;
  readonly message: string;
  readonly recommendation: string;
  readonly value: number;
  readonly threshold: number;
  readonly openedAt: string;
  readonly lastSeenAt: string;
  readonly publishedAt?: string;
}

export interface ReconcileResult {
  readonly opened: AlertType[];
  readonly resolved: AlertType[];
  /** Open before this run and still breaching. */
  readonly stillOpen: AlertType[];
  /** Notifications sent by this run (including retries of earlier failed ones). */
  readonly published: number;
  readonly publishErrors: { type: AlertType; kind: AlertEvent['kind']; error: string }[];
}

export const alertPk = (type: AlertType) => `alert#${type}`;
export const OPEN_SK = 'open';
export const RESOLVED_PREFIX = 'resolved#';

async function conditional<T>(work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/**
 * Opens an alert for each breached type, refreshes the ones already open, resolves open alerts
 * whose type was checked and is no longer breached. Types not in `checked` (their data could not
 * be read, or not enough samples) are left exactly as they are.
 */
export async function reconcileAlerts(
  deps: AlertDeps,
  warnings: readonly HealthWarning[],
  checked: readonly AlertType[],
  now: number,
): Promise<ReconcileResult> {
  const iso = new Date(now).toISOString();
  const result: ReconcileResult = { opened: [], resolved: [], stillOpen: [], published: 0, publishErrors: [] };
  const breached = new Map<AlertType, HealthWarning>();
  for (const w of warnings) if ((ALERT_TYPES as string[]).includes(w.type) && checked.includes(w.type as AlertType)) breached.set(w.type as AlertType, w);

  const notify = async (key: { pk: string; sk: string }, event: AlertEvent) => {
    const claimed = await conditional(() =>
      deps.doc.send(
        new UpdateCommand({
          TableName: deps.opsTable,
          Key: key,
          UpdateExpression: 'SET publishedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(publishedAt)',
          ExpressionAttributeValues: { ':now': iso },
        }),
      ),
    );
    if (!claimed) return; // another run sent it, or it was already sent
    try {
      await deps.publisher.publish(event);
      (result as { published: number }).published++;
    } catch (error) {
      result.publishErrors.push({ type: event.type, kind: event.kind, error: error instanceof Error ? error.message : String(error) });
      await deps.doc
        .send(new UpdateCommand({ TableName: deps.opsTable, Key: key, UpdateExpression: 'REMOVE publishedAt', ConditionExpression: 'publishedAt = :now', ExpressionAttributeValues: { ':now': iso } }))
        .catch(() => undefined);
    }
  };

  const eventOf = (kind: AlertEvent['kind'], a: OpenAlert, resolvedAt?: string): AlertEvent => ({
    kind,
    type: a.type,
    severity: a.severity,
    message: a.message,
    recommendation: a.recommendation,
    value: a.value,
    threshold: a.threshold,
    openedAt: a.openedAt,
    ...(resolvedAt ? { resolvedAt } : {}),
  });

  for (const type of checked) {
    const pk = alertPk(type);
    const openKey = { pk, sk: OPEN_SK };
    const warning = breached.get(type);
    if (warning) {
      const fields = {
        type,
        severity: warning.severity,
        message: warning.message,
        recommendation: warning.recommendation,
        value: warning.value,
        threshold: warning.threshold,
        lastSeenAt: iso,
      };
      const created = await conditional(() =>
        deps.doc.send(new PutCommand({ TableName: deps.opsTable, Item: { ...openKey, ...fields, openedAt: iso }, ConditionExpression: 'attribute_not_exists(pk)' })),
      );
      let current: OpenAlert | undefined;
      if (created) {
        result.opened.push(type);
        current = { ...fields, openedAt: iso };
      } else {
        // Already open: refresh what it says now (severity may have changed), keep openedAt.
        const updated = await conditional(() =>
          deps.doc.send(
            new UpdateCommand({
              TableName: deps.opsTable,
              Key: openKey,
              UpdateExpression: 'SET severity = :sev, message = :msg, recommendation = :rec, #v = :val, threshold = :thr, lastSeenAt = :now',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeNames: { '#v': 'value' },
              ExpressionAttributeValues: {
                ':sev': fields.severity,
                ':msg': fields.message,
                ':rec': fields.recommendation,
                ':val': fields.value,
                ':thr': fields.threshold,
                ':now': iso,
              },
              ReturnValues: 'ALL_NEW',
            }),
          ),
        );
        current = updated?.Attributes as OpenAlert | undefined;
        if (current) result.stillOpen.push(type);
        // else: resolved by a concurrent run between our put and update; the next run reopens it.
      }
      if (current && !current.publishedAt) await notify(openKey, eventOf('opened', current));
    } else {
      const deleted = await conditional(() =>
        deps.doc.send(new DeleteCommand({ TableName: deps.opsTable, Key: openKey, ConditionExpression: 'attribute_exists(pk)', ReturnValues: 'ALL_OLD' })),
      );
      const old = deleted?.Attributes as OpenAlert | undefined;
      if (old) {
        result.resolved.push(type);
        const historyKey = { pk, sk: `${RESOLVED_PREFIX}${iso}` };
        const { publishedAt: _p, ...rest } = old;
        await conditional(() =>
          deps.doc.send(
            new PutCommand({
              TableName: deps.opsTable,
              Item: { ...rest, ...historyKey, resolvedAt: iso, expiresAt: Math.floor(now / 1000) + (deps.historyDays ?? 30) * 86_400 },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          ),
        );
        // An opening never announced (its publish kept failing) is not announced now either:
        // the resolution says everything.
      }
      // Resolutions whose notification is still owed (this one, or an earlier failed publish).
      const pending = await deps.doc.send(
        new QueryCommand({
          TableName: deps.opsTable,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
          FilterExpression: 'attribute_not_exists(publishedAt)',
          ExpressionAttributeValues: { ':pk': pk, ':r': RESOLVED_PREFIX },
          ScanIndexForward: false,
          Limit: 5,
        }),
      );
      for (const item of pending.Items ?? []) {
        await notify({ pk, sk: String(item.sk) }, eventOf('resolved', item as unknown as OpenAlert, String(item.resolvedAt)));
      }
    }
  }
  return result;
}

/** Every open alert (one BatchGet: the set of types is fixed). */
export async function openAlerts(deps: Pick<AlertDeps, 'doc' | 'opsTable'>): Promise<OpenAlert[]> {
  let keys: Record<string, unknown>[] | undefined = ALERT_TYPES.map((t) => ({ pk: alertPk(t), sk: OPEN_SK }));
  const found: OpenAlert[] = [];
  for (let attempt = 0; keys?.length && attempt < 5; attempt++) {
    const out: BatchGetCommandOutput = await deps.doc.send(new BatchGetCommand({ RequestItems: { [deps.opsTable]: { Keys: keys } } }));
    found.push(...((out.Responses?.[deps.opsTable] ?? []) as OpenAlert[]));
    keys = out.UnprocessedKeys?.[deps.opsTable]?.Keys;
  }
  return found.sort((a, b) => (a.severity === b.severity ? a.openedAt.localeCompare(b.openedAt) : a.severity === 'critical' ? -1 : 1));
}

/** Resolved alerts of one type, newest first. */
export async function alertHistory(deps: Pick<AlertDeps, 'doc' | 'opsTable'>, type: AlertType, limit = 20): Promise<(OpenAlert & { resolvedAt: string })[]> {
  const out = await deps.doc.send(
    new QueryCommand({
      TableName: deps.opsTable,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
      ExpressionAttributeValues: { ':pk': alertPk(type), ':r': RESOLVED_PREFIX },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return (out.Items ?? []) as (OpenAlert & { resolvedAt: string })[];
}
