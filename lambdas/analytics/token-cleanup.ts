/**
 * A container's memory of the aggregator's bookkeeping (see aggregator.ts, step 4): the aggdone
 * markers still to be written, and the tok_* attributes each aggregate item may shed once its
 * marker has landed. Pure state; bounded so a long-lived container cannot grow without end. Losing
 * any of it only leaves a few harmless bytes behind.
 */
import { tokenAttr } from './keys';

/** aggdone#T: the aggregate keys batch T was added to. */
export interface DoneMarker {
  readonly token: string;
  readonly groups: readonly string[];
  readonly expiresAt: number;
}

const PENDING_REMOVAL_MAX_ITEMS = 5_000;
const PENDING_REMOVAL_PER_ITEM = 20;
const PENDING_MARKERS_MAX = 20;

export class TokenCleanup {
  /** aggregate key → token attributes whose aggdone marker is written: safe to REMOVE. */
  private readonly pendingRemoval = new Map<string, string[]>();
  /** aggdone markers of earlier batches, to be written with the next raw items. */
  private readonly pendingMarkers: DoneMarker[] = [];

  /** Batch T was added to `groups`: its marker goes out with the next batch, never before. */
  batchApplied(marker: DoneMarker): void {
    this.pendingMarkers.push(marker);
    if (this.pendingMarkers.length > PENDING_MARKERS_MAX) this.pendingMarkers.shift();
  }

  /** The markers to write now (the caller reports each back as landed or not). */
  takeMarkers(): DoneMarker[] {
    return this.pendingMarkers.splice(0);
  }

  /** Durable: from now on tok_T may go from those items (the marker answers for it). */
  markerLanded(marker: DoneMarker): void {
    for (const key of marker.groups) this.queueRemoval(key, tokenAttr(marker.token));
  }

  /** Not an event failure: the tokens stay on the aggregates, which is the proof that counts. */
  markerFailed(marker: DoneMarker): void {
    if (this.pendingMarkers.length < PENDING_MARKERS_MAX) this.pendingMarkers.push(marker);
  }

  /** Token attributes the next ADD to `key` may REMOVE. */
  removalsFor(key: string): string[] {
    return [...(this.pendingRemoval.get(key) ?? [])];
  }

  /** Forgets the token attributes just removed from an item (others may have been queued since). */
  removed(key: string, attrs: readonly string[]): void {
    if (!attrs.length) return;
    const left = (this.pendingRemoval.get(key) ?? []).filter((a) => !attrs.includes(a));
    if (left.length) this.pendingRemoval.set(key, left);
    else this.pendingRemoval.delete(key);
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
}
