/**
 * The open event streams of GET /api/v1/events and how events reach them. Each stream
 * has a position in the hub (the seq it has passed) and pulls from the hub's ring when
 * the hub says there is more, in chunks of at most CHUNK_CHARS, until its socket's
 * buffer is full; then it waits for 'drain'. So a slow reader holds at most one chunk
 * beyond the socket's buffer, never a queue of its own: the events it has not read are
 * the ring's, shared and bounded. A reader that falls behind the ring gets a `reset` and
 * continues from the newest event; one that does not drain for STALL_HEARTBEATS
 * heartbeats is cut off (its EventSource reconnects and resumes with Last-Event-ID).
 *
 * One timer for all streams writes the heartbeat comment and re-checks each stream's
 * session: a logout, an expiry or a disabled account ends the stream, and so does a
 * change of the account's role or sites (the client reconnects with its new scope).
 * close() ends every stream; the route calls it before the HTTP server closes, which
 * would otherwise wait for these never-ending responses forever.
 */
import type { ServerResponse } from 'node:http';
import type { EventHub, Resume } from '../../domain/live/hub.js';
import type { LiveEvent } from '../../domain/live/types.js';
import type { Logger } from '../../log.js';
import type { Principal } from '../auth/principal.js';
import { controlFrame, type EndReason, frameOf, HEARTBEAT, RETRY_MS } from './render.js';

/** Characters of frames written to a socket in one go. */
const CHUNK_CHARS = 64 * 1024;
/** Events looked at per turn for one stream (a filter may skip most of them). */
const SCAN_MAX = 20_000;
/** A stream whose socket does not drain for this many heartbeats is cut off. */
const STALL_HEARTBEATS = 2;
/** On close, a stream that has not finished flushing by then is destroyed. */
const CLOSE_GRACE_MS = 1000;

export interface StreamsOptions {
  heartbeatMs: number;
  /** The session's caller now, or undefined when it is no longer valid. */
  recheck(p: Principal): Promise<Principal | undefined>;
  logger: Logger;
}

export interface StreamStart {
  principal: Principal;
  accepts(ev: LiveEvent): boolean;
  /** From Last-Event-ID; undefined: start with the next event. */
  resume: Resume | undefined;
  lastEventId: string | undefined;
}

interface Stream {
  readonly res: ServerResponse;
  readonly principal: Principal;
  readonly accepts: (ev: LiveEvent) => boolean;
  /** The last seq this stream has passed (sent or filtered out). */
  cursor: number;
  /** When the socket's buffer filled (Date.now()), until it drains. */
  blockedSince: number | undefined;
  rescan: boolean;
  done: boolean;
}

const sameScope = (a: Principal, b: Principal): boolean =>
  a.role === b.role &&
  a.vendorId === b.vendorId &&
  a.siteIds.length === b.siteIds.length &&
  a.siteIds.every((s) => b.siteIds.includes(s));

export class EventStreams {
  readonly #hub: EventHub;
  readonly #opts: StreamsOptions;
  readonly #streams = new Set<Stream>();
  #unlisten: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #rechecking = false;
  #closed = false;

  constructor(hub: EventHub, opts: StreamsOptions) {
    this.#hub = hub;
    this.#opts = opts;
  }

  get size(): number {
    return this.#streams.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Takes over the response: headers, `retry:`, the first frame, then the replay. */
  open(res: ServerResponse, start: StreamStart): void {
    const hub = this.#hub;
    const s: Stream = {
      res,
      principal: start.principal,
      accepts: start.accepts,
      cursor: hub.lastSeq,
      blockedSince: undefined,
      rescan: false,
      done: false,
    };
    let first: string;
    const r = start.resume;
    if (r && 'after' in r) {
      s.cursor = r.after;
      first = controlFrame('ready', hub.idOf(r.after), { resumed: true });
    } else if (r) {
      first = controlFrame('reset', hub.idOf(s.cursor), {
        reason: r.reset,
        lastEventId: start.lastEventId ?? null,
      });
    } else first = controlFrame('ready', hub.idOf(s.cursor), { resumed: false });

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // nginx and other buffering proxies: pass frames through as they come.
      'x-accel-buffering': 'no',
    });
    res.on('drain', () => {
      s.blockedSince = undefined;
      this.#pump(s);
    });
    if (res.destroyed) return; // the client left before it started
    // The response's 'close' is the connection's end (or ours): the request's may come
    // earlier, once its (empty) body is read.
    res.on('close', () => this.#remove(s));
    res.on('error', () => this.#remove(s));
    this.#streams.add(s);
    this.#unlisten ??= hub.onAppend(this.#pumpAll);
    if (!this.#timer) {
      this.#timer = setInterval(this.#tick, this.#opts.heartbeatMs);
      this.#timer.unref();
    }
    if (this.#write(s, `retry: ${RETRY_MS}\n\n${first}`)) this.#pump(s);
  }

  /** Ends every stream with `end` (reason shutdown) and refuses new ones. */
  close(): void {
    this.#closed = true;
    for (const s of [...this.#streams]) this.#end(s, 'shutdown');
    this.#stopWhenIdle();
  }

  readonly #pumpAll = (): void => {
    for (const s of this.#streams) this.#pump(s);
  };

  /**
   * Writes what the stream has not passed yet, until its socket is full. Runs from the
   * hub's notification and from socket events: a failure ends this stream, never the
   * process.
   */
  #pump(s: Stream): void {
    try {
      this.#fill(s);
    } catch (err) {
      this.#opts.logger.warn({ err, account: s.principal.username }, 'event stream failed; closed');
      this.#remove(s);
      s.res.destroy();
    }
  }

  #fill(s: Stream): void {
    if (s.done || s.blockedSince !== undefined) return;
    const hub = this.#hub;
    if (s.cursor < hub.firstSeq - 1) {
      // What it has not read is gone from the ring: say so, go on from the newest.
      s.cursor = hub.lastSeq;
      const reset = controlFrame('reset', hub.idOf(s.cursor), { reason: 'lagged', lastEventId: null });
      if (!this.#write(s, reset)) return;
    }
    const last = hub.lastSeq;
    let scanned = 0;
    while (s.cursor < last) {
      let chunk = '';
      while (s.cursor < last && chunk.length < CHUNK_CHARS && scanned < SCAN_MAX) {
        const ev = hub.get(++s.cursor)!;
        scanned++;
        if (s.accepts(ev)) chunk += frameOf(hub, ev);
      }
      if (chunk !== '' && !this.#write(s, chunk)) return;
      if (scanned >= SCAN_MAX && s.cursor < last) {
        // Long replays and narrow filters: the rest next turn, other streams first.
        if (!s.rescan) {
          s.rescan = true;
          setImmediate(() => {
            s.rescan = false;
            this.#pump(s);
          });
        }
        return;
      }
    }
  }

  #write(s: Stream, text: string): boolean {
    if (s.res.write(text)) return true;
    s.blockedSince = Date.now();
    return false;
  }

  readonly #tick = (): void => {
    const stalledBefore = Date.now() - STALL_HEARTBEATS * this.#opts.heartbeatMs;
    for (const s of [...this.#streams]) {
      if (s.blockedSince === undefined) this.#write(s, HEARTBEAT);
      else if (s.blockedSince < stalledBefore) {
        this.#opts.logger.info({ account: s.principal.username }, 'event stream cut off: not reading');
        this.#remove(s);
        s.res.destroy();
      }
    }
    void this.#recheck();
  };

  async #recheck(): Promise<void> {
    if (this.#rechecking) return;
    this.#rechecking = true;
    try {
      await Promise.all(
        [...this.#streams].map(async (s) => {
          let now: Principal | undefined;
          try {
            now = await this.#opts.recheck(s.principal);
          } catch (err) {
            this.#opts.logger.warn({ err }, 'event stream: session re-check failed; kept open');
            return;
          }
          if (!now) this.#end(s, 'unauthenticated');
          else if (!sameScope(now, s.principal)) this.#end(s, 'scope_changed');
        }),
      );
    } finally {
      this.#rechecking = false;
    }
  }

  #end(s: Stream, reason: EndReason): void {
    if (s.done) return;
    this.#remove(s);
    s.res.end(controlFrame('end', this.#hub.idOf(s.cursor), { reason }));
    // A peer that does not read would keep the response (and the server's close) open.
    setTimeout(() => s.res.destroy(), CLOSE_GRACE_MS).unref();
  }

  #remove(s: Stream): void {
    s.done = true;
    if (this.#streams.delete(s)) this.#stopWhenIdle();
  }

  #stopWhenIdle(): void {
    if (this.#streams.size > 0) return;
    this.#unlisten?.();
    this.#unlisten = undefined;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
