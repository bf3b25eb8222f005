// When a page in the browser has settled — will not navigate any more — decided from what the
// browser reports instead of a fixed wait: the main frame's navigations (requested, started,
// committed, loaded), the refresh Chromium scheduled (and its delay), the page's requests in
// flight, and its pending short timers (reported by a tracker injected before the page's own
// scripts). A page that has loaded, has nothing pending and has been quiet for `quietMs` has
// settled. What a page keeps doing forever (polling timers, long requests) is awaited only up to
// `horizonMs` after its document committed, so it cannot hold a trace until its deadline.
import type { Clock } from './types';

/** How long a page's timers, requests and load event are waited for after its document commits. */
export const SETTLE_HORIZON_MS = 5_000;

/** How long past its due time a timer the tracker has not reported as fired still counts as pending. */
const TIMER_REPORT_MARGIN_MS = 1_000;

export interface SettleOptions {
  /** Quiet time (no navigation, request or timer event) that ends a settled page. */
  quietMs: number;
  /** How long after a document commits its timers, requests and load event are waited for. */
  horizonMs: number;
  /** A refresh scheduled further out than this is not waited for (the page is where a visitor stays). */
  maxRefreshWaitS: number;
  /** How long a requested navigation may take to show up as a request (a refused one never does). */
  navigationGraceMs: number;
}

export class SettleWatch {
  private lastActivity: number;
  /** When the current document's navigation was answered or committed: what the horizon counts from. */
  private since: number;
  private committed = false;
  private loaded = false;
  private expectNavigationUntil = 0;
  private refreshAt = 0;
  private timersDueAt = 0;
  private readonly inflight = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly options: SettleOptions,
  ) {
    this.lastActivity = clock.now();
    this.since = clock.now();
  }

  private touch(): number {
    this.lastActivity = this.clock.now();
    return this.lastActivity;
  }

  /** A renderer asked for a main-frame navigation (script, refresh firing, form). */
  navigationRequested(): void {
    this.expectNavigationUntil = this.touch() + this.options.navigationGraceMs;
  }

  /** A main-frame navigation request began or was answered: the tracer follows it as a hop. */
  navigationStarted(): void {
    this.since = this.touch();
    this.expectNavigationUntil = 0;
    this.refreshAt = 0;
    this.committed = false;
    this.loaded = false;
  }

  /** A new document committed in the main frame. */
  documentCommitted(): void {
    this.since = this.touch();
    this.committed = true;
    this.loaded = false;
    this.refreshAt = 0;
    this.timersDueAt = 0;
    this.inflight.clear();
  }

  loadFired(): void {
    this.touch();
    this.loaded = true;
  }

  /** Chromium scheduled a navigation: a refresh (after load) or a script navigation (delay 0). */
  navigationScheduled(delaySeconds: number): void {
    const now = this.touch();
    if (delaySeconds <= this.options.maxRefreshWaitS) this.refreshAt = now + delaySeconds * 1000 + this.options.navigationGraceMs;
  }

  scheduleCleared(): void {
    this.touch();
    this.refreshAt = 0;
  }

  requestStarted(id: string): void {
    this.inflight.set(id, this.touch());
  }

  requestEnded(id: string): void {
    if (this.inflight.delete(id)) this.touch();
  }

  /** The tracker's report: the latest of the page's pending short timers fires in `remainingMs`. */
  timersPending(remainingMs: number): void {
    const now = this.touch();
    this.timersDueAt = remainingMs > 0 ? now + remainingMs : 0;
  }

  /** When the quiet time will have passed if nothing happens meanwhile: the earliest it can settle. */
  quietAt(): number {
    return this.lastActivity + this.options.quietMs;
  }

  /** `pendingNavigations`: main-frame navigation requests still waiting for their answer. */
  settled(pendingNavigations: number): boolean {
    const now = this.clock.now();
    if (pendingNavigations > 0 || now < this.expectNavigationUntil || now < this.refreshAt) return false;
    const horizon = this.since + this.options.horizonMs;
    const withinHorizon = now < horizon;
    if (!this.committed && withinHorizon) return false;
    if (!this.loaded && withinHorizon) return false;
    if (withinHorizon && [...this.inflight.values()].some((at) => now - at < this.options.horizonMs)) return false;
    // A timer counts until the tracker says it fired (its callback may be navigating right now),
    // with a margin in case that word never comes (the document went away).
    if (this.timersDueAt > 0 && this.timersDueAt <= horizon && now < this.timersDueAt + TIMER_REPORT_MARGIN_MS) return false;
    return now - this.lastActivity >= this.options.quietMs;
  }
}

/**
 * A script for the page's main world, run before any of the page's own: it wraps the timer
 * functions (behind proxies, so they still look native) and reports through the CDP binding
 * `binding` when the latest of its pending timers of at most `horizonMs` will have fired. A page
 * can fool it only into ending its own trace early or late (the deadline still holds).
 */
export function timerTrackerSource(binding: string, horizonMs: number): string {
  return `(() => {
  const report = globalThis[${JSON.stringify(binding)}];
  if (typeof report !== 'function') return;
  try { delete globalThis[${JSON.stringify(binding)}]; } catch {}
  if (window.top !== window) return;
  const HORIZON = ${Number(horizonMs)};
  const pending = new Map();
  const now = () => performance.now();
  let queued = false;
  const flush = () => {
    queued = false;
    let due = 0;
    for (const d of pending.values()) if (d > due) due = d;
    report(String(Math.max(0, Math.ceil(due - now()))));
  };
  const changed = () => { if (!queued) { queued = true; Promise.resolve().then(flush); } };
  const track = (native) => new Proxy(native, {
    apply(target, self, args) {
      const ms = Number(args[1]) || 0;
      if (ms > HORIZON || args.length === 0) return Reflect.apply(target, self, args);
      const callback = args[0];
      let id;
      const wrapped = function (...a) {
        if (pending.delete(id)) changed();
        return typeof callback === 'function' ? Reflect.apply(callback, this, a) : (0, eval)(String(callback));
      };
      id = Reflect.apply(target, self, [wrapped, ...args.slice(1)]);
      pending.set(id, now() + ms);
      changed();
      return id;
    },
  });
  const untrack = (native) => new Proxy(native, {
    apply(target, self, args) {
      if (pending.delete(args[0])) changed();
      return Reflect.apply(target, self, args);
    },
  });
  window.setTimeout = track(window.setTimeout);
  window.setInterval = track(window.setInterval);
  window.clearTimeout = untrack(window.clearTimeout);
  window.clearInterval = untrack(window.clearInterval);
})();`;
}
