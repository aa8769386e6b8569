/**
 * The live event hub: numbers every event (1, 2, 3… within this process's run), keeps
 * the recent ones in a ring so a client that reconnects with `Last-Event-ID` gets exactly
 * what it missed, and tells its listeners that there is something new once per burst:
 * in a microtask after the code that emitted, so a group commit's hundreds of clock-ins
 * are one notification, and delivery does not wait behind the next commit (SQLite's
 * commit runs on this thread, in the microtasks that follow).
 *
 * Readers pull from the ring at their own pace (their position is a number), so a slow
 * reader costs no memory beyond the ring, which is bounded by age and by count: events
 * younger than replayMs are kept unless there are more than replayMax (about 400 bytes
 * an event). The ring is kept while someone listens and for replayMs after the last
 * listener left (a client may come back and resume); otherwise no one could ever resume
 * from it, and an event costs a counter increment: emitting is O(1) and does no I/O.
 *
 * Ids are `<boot>-<seq>`. `boot` names this run, so an id from before a restart (whose
 * events are gone with the process) is recognised and answered with a reset, not mistaken
 * for a position in the new run.
 */
import { randomBytes } from 'node:crypto';
import type { LiveEvent, LiveEventType, LivePayloads } from './types.js';

export interface HubOptions {
  /** Events younger than this are kept for replay (unless there are more than replayMax). */
  replayMs: number;
  /** Most events kept, whatever their age. */
  replayMax: number;
  now: () => number;
}

/** Where a reconnecting client resumes: after this seq, or a reset and why. */
export type Resume = { after: number } | { reset: 'restarted' | 'expired' | 'unknown' };

/** The ring is compacted once this many slots at its head are spent (and they are half of it). */
const COMPACT_AT = 4096;
/**
 * Events whose rendered form (`wire`) stays cached: live readers read the newest; a
 * reader replaying older ones renders them again rather than the ring holding every
 * event twice.
 */
export const WIRE_CACHED = 10_000;

export class EventHub {
  readonly boot: string;
  readonly #opts: HubOptions;
  #ring: (LiveEvent | undefined)[] = [];
  #head = 0;
  /** seq of #ring[#head]; lastSeq + 1 when the ring is empty. */
  #first = 1;
  #next = 1;
  readonly #listeners = new Set<() => void>();
  readonly #watchers = new Set<(listeners: number) => void>();
  #scheduled = false;
  /** With no listener, events are kept until then (replayMs after the last one left). */
  #keepUntil = Number.NEGATIVE_INFINITY;

  constructor(opts: HubOptions) {
    this.#opts = opts;
    this.boot = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  }

  emit<K extends LiveEventType>(
    type: K,
    siteId: string | null,
    vendorId: string | null,
    data: LivePayloads[K],
  ): void {
    const at = this.#opts.now();
    const seq = this.#next++;
    if (this.#listeners.size === 0 && at > this.#keepUntil) {
      // No one can resume from here: keep nothing, count only.
      if (this.#ring.length > 0) {
        this.#ring = [];
        this.#head = 0;
      }
      this.#first = this.#next;
      return;
    }
    this.#ring.push({ seq, at, type, siteId, vendorId, data } as LiveEvent);
    const cold = this.get(seq - WIRE_CACHED);
    if (cold) cold.wire = undefined;
    this.#evict(at);
    if (this.#listeners.size > 0 && !this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#notify);
    }
  }

  /** The newest seq given out (0 before the first event). */
  get lastSeq(): number {
    return this.#next - 1;
  }

  /** The oldest seq still kept (lastSeq + 1 when none is). */
  get firstSeq(): number {
    return this.#first;
  }

  /**
   * Told the number of listeners whenever it changes (the cluster's live bus subscribes
   * only while someone listens); returns the unsubscribe.
   */
  onListeners(watcher: (listeners: number) => void): () => void {
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  #tellWatchers(): void {
    for (const w of this.#watchers) w(this.#listeners.size);
  }

  /** Listeners (open event streams) right now. */
  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** Events kept for replay. */
  get size(): number {
    return this.#next - this.#first;
  }

  /** The kept event with this seq. */
  get(seq: number): LiveEvent | undefined {
    if (seq < this.#first || seq >= this.#next) return undefined;
    return this.#ring[this.#head + (seq - this.#first)];
  }

  /** The id clients see for a position. */
  idOf(seq: number): string {
    return `${this.boot}-${seq}`;
  }

  /**
   * Where a client that last saw `lastEventId` resumes: right after it when everything
   * since is still kept; otherwise a reset (another run's id, an id older than the ring,
   * or one this run never gave out).
   */
  resume(lastEventId: string): Resume {
    const m = /^([0-9a-z]{1,32})-(\d{1,15})$/.exec(lastEventId);
    if (!m) return { reset: 'unknown' };
    if (m[1] !== this.boot) return { reset: 'restarted' };
    const seq = Number(m[2]);
    if (seq > this.lastSeq) return { reset: 'unknown' };
    if (seq < this.#first - 1) return { reset: 'expired' };
    return { after: seq };
  }

  /** Called once after each burst of new events (never inside emit()); returns the unsubscribe. */
  onAppend(listener: () => void): () => void {
    this.#listeners.add(listener);
    this.#tellWatchers();
    return () => {
      if (this.#listeners.delete(listener)) {
        if (this.#listeners.size === 0) this.#keepUntil = this.#opts.now() + this.#opts.replayMs;
        this.#tellWatchers();
      }
    };
  }

  readonly #notify = (): void => {
    this.#scheduled = false;
    for (const listener of this.#listeners) listener();
  };

  #evict(now: number): void {
    const { replayMs, replayMax } = this.#opts;
    const cutoff = now - replayMs;
    while (this.#first < this.#next) {
      const oldest = this.#ring[this.#head]!;
      if (this.#next - this.#first <= replayMax && oldest.at >= cutoff) break;
      this.#ring[this.#head++] = undefined;
      this.#first++;
    }
    if (this.#head >= COMPACT_AT && this.#head * 2 >= this.#ring.length) {
      this.#ring = this.#ring.slice(this.#head);
      this.#head = 0;
    }
  }
}
