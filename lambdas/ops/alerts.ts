/**
 * Alerts: at most one open alert per type, opened and resolved by the health check, kept in an
 * AlertStore (the Ops table: ops-table.ts); resolved ones are kept for the history retention.
 *
 * Concurrency (two health checks at once, an invocation retried): every step is a conditional
 * write, so whatever interleaving happens, exactly one run opens an alert (put with
 * attribute_not_exists) and exactly one run resolves it (delete with attribute_exists, ALL_OLD).
 * Notifications are claimed before they are sent (`publishedAt` set with attribute_not_exists):
 * one notification per opening and per resolution; when sending fails the claim is released and
 * the next run sends it again, so a notification is never lost to a failed publish.
 */
import { ALERT_TYPES, type AlertType, type HealthWarning, type Severity } from './thresholds';

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
  readonly store: AlertStore;
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

export interface ResolvedAlert extends OpenAlert {
  readonly resolvedAt: string;
}

/** What an alert says, refreshed on every run that finds it still breached. */
export type AlertFields = Pick<OpenAlert, 'type' | 'severity' | 'message' | 'recommendation' | 'value' | 'threshold' | 'lastSeenAt'>;

/** The open alert of a type, or (with resolvedAt) one of its resolutions. */
export interface AlertRef {
  readonly type: AlertType;
  readonly resolvedAt?: string;
}

/** Where alerts are kept. Every write is conditional and answers whether it happened. */
export interface AlertStore {
  /** Opens the alert unless one of its type is open. */
  open(alert: OpenAlert): Promise<boolean>;
  /** Updates the open alert of the type (openedAt kept); undefined when none is open. */
  refresh(type: AlertType, fields: AlertFields): Promise<OpenAlert | undefined>;
  /** Removes the open alert of the type, answering what it was; undefined when none was open. */
  close(type: AlertType): Promise<OpenAlert | undefined>;
  /** Adds a resolution to the history (once per type and resolvedAt), kept until expiresAt (epoch seconds). */
  addResolved(alert: ResolvedAlert, expiresAt: number): Promise<void>;
  /** Resolutions of the type whose announcement is still owed, newest first. */
  unannounced(type: AlertType, limit: number): Promise<ResolvedAlert[]>;
  /** Resolutions of the type, newest first. */
  history(type: AlertType, limit: number): Promise<ResolvedAlert[]>;
  /** Marks the alert announced at `at`; false when it already was, or is gone. */
  claimAnnouncement(ref: AlertRef, at: string): Promise<boolean>;
  /** Undoes this run's claim (`at`) after a failed publish. */
  releaseAnnouncement(ref: AlertRef, at: string): Promise<void>;
  /** Every open alert, in no order. */
  allOpen(): Promise<OpenAlert[]>;
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

/**
 * Opens an alert for each breached type, refreshes the ones already open, resolves open alerts
 * whose type was checked and is no longer breached. Types not in `checked` (their data could not
 * be read, or not enough samples) are left exactly as they are.
 */
export async function reconcileAlerts(deps: AlertDeps, warnings: readonly HealthWarning[], checked: readonly AlertType[], now: number): Promise<ReconcileResult> {
  const iso = new Date(now).toISOString();
  const result: ReconcileResult = { opened: [], resolved: [], stillOpen: [], published: 0, publishErrors: [] };
  const breached = new Map<AlertType, HealthWarning>();
  for (const w of warnings) if ((ALERT_TYPES as string[]).includes(w.type) && checked.includes(w.type as AlertType)) breached.set(w.type as AlertType, w);

  const notify = async (ref: AlertRef, event: AlertEvent) => {
    if (!(await deps.store.claimAnnouncement(ref, iso))) return; // another run sent it, or it was already sent
    try {
      await deps.publisher.publish(event);
      (result as { published: number }).published++;
    } catch (error) {
      result.publishErrors.push({ type: event.type, kind: event.kind, error: error instanceof Error ? error.message : String(error) });
      await deps.store.releaseAnnouncement(ref, iso).catch(() => undefined);
    }
  };

  const eventOf = (kind: AlertEvent['kind'], a: OpenAlert, resolvedAt?: string): AlertEvent => ({ kind, ...alertSays(a), ...(resolvedAt ? { resolvedAt } : {}) });

  for (const type of checked) {
    const warning = breached.get(type);
    if (warning) {
      const fields: AlertFields = {
        type,
        severity: warning.severity,
        message: warning.message,
        recommendation: warning.recommendation,
        value: warning.value,
        threshold: warning.threshold,
        lastSeenAt: iso,
      };
      let current: OpenAlert | undefined;
      if (await deps.store.open({ ...fields, openedAt: iso })) {
        result.opened.push(type);
        current = { ...fields, openedAt: iso };
      } else {
        // Already open: refresh what it says now (severity may have changed), keep openedAt.
        current = await deps.store.refresh(type, fields);
        if (current) result.stillOpen.push(type);
        // else: resolved by a concurrent run between our open and refresh; the next run reopens it.
      }
      if (current && !current.publishedAt) await notify({ type }, eventOf('opened', current));
    } else {
      const old = await deps.store.close(type);
      if (old) {
        result.resolved.push(type);
        const { publishedAt: _p, ...rest } = old;
        await deps.store.addResolved({ ...rest, resolvedAt: iso }, Math.floor(now / 1000) + (deps.historyDays ?? 30) * 86_400);
        // An opening never announced (its publish kept failing) is not announced now either:
        // the resolution says everything.
      }
      // Resolutions whose notification is still owed (this one, or an earlier failed publish).
      for (const item of await deps.store.unannounced(type, 5)) {
        await notify({ type, resolvedAt: item.resolvedAt }, eventOf('resolved', item, item.resolvedAt));
      }
    }
  }
  return result;
}

/** Every open alert, critical first, then oldest first. */
export async function openAlerts(store: Pick<AlertStore, 'allOpen'>): Promise<OpenAlert[]> {
  const found = await store.allOpen();
  return found.sort((a, b) => (a.severity === b.severity ? a.openedAt.localeCompare(b.openedAt) : a.severity === 'critical' ? -1 : 1));
}

/** Resolved alerts of one type, newest first. */
export async function alertHistory(store: AlertStore, type: AlertType, limit = 20): Promise<ResolvedAlert[]> {
  return store.history(type, limit);
}

/** GET /admin/alerts: what is open now and what was resolved lately. */
export interface AlertsView {
  /** Critical first, then oldest first. */
  readonly open: OpenAlert[];
  /** Newest first, across types. */
  readonly resolved: ResolvedAlert[];
}

/** The open alerts and the latest resolutions of every type (at most `perType` each), newest first. */
export async function alertsView(store: Pick<AlertStore, 'allOpen' | 'history'>, perType = 10): Promise<AlertsView> {
  const [open, histories] = await Promise.all([openAlerts(store), Promise.all(ALERT_TYPES.map((type) => store.history(type, perType)))]);
  const resolved = histories.flat().sort((a, b) => b.resolvedAt.localeCompare(a.resolvedAt));
  return { open: open.map(alertFields), resolved: resolved.map((r) => ({ ...alertFields(r), resolvedAt: r.resolvedAt })) };
}

/** What an alert says (its notification's fields), without the store's keys and bookkeeping. */
function alertSays(a: OpenAlert): Omit<AlertEvent, 'kind' | 'resolvedAt'> {
  return { type: a.type, severity: a.severity, message: a.message, recommendation: a.recommendation, value: a.value, threshold: a.threshold, openedAt: a.openedAt };
}

/** An alert as the API answers it. */
const alertFields = (a: OpenAlert): OpenAlert => ({ ...alertSays(a), lastSeenAt: a.lastSeenAt });
