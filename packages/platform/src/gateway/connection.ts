/**
 * One device connection over any Duplex stream (a TCP socket in production, an
 * in-memory pair in tests). Frames are handled concurrently, so a device draining its
 * offline backlog with many sign-ins in flight gets them group-committed together, but
 * answers go back strictly in request order. Backpressure both ways: past
 * maxInFlightPerConnection we stop reading, and so does every connection while the
 * gateway's requests in flight are over their limits (inflight-budget.ts); a peer
 * that does not read its answers stops our reading too, and past maxWriteBufferBytes it
 * is cut off.
 */
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ERRORS, FrameDecoder, FrameError, ProtocolError } from '@kaoqin/protocol';
import { answerFrame } from './answer-frames.js';
import type { GatewayContext } from './context.js';
import type { InFlightBudget } from './inflight-budget.js';
import type { FrameOutcome, FrameRequests } from './process.js';
import { releaseBytes } from './release-bytes.js';

export interface ConnectionEvents {
  onDevice(conn: Connection, deviceId: string): void;
  onClose(conn: Connection): void;
}

/**
 * A request being handled; `outcome` is set the moment it settles, so ready answers can
 * be written in one burst. No promise is awaited per request: its settling calls the
 * connection's flush, which writes every settled answer at the head. A request waits
 * seconds for its group commit at saturation, and an awaiting async frame per connection
 * was state the collector copied and marked for each of them (bench/README.md).
 */
interface Pending {
  outcome?: FrameOutcome;
  /** It rejected: the request core answers every failure itself, so this is a bug. */
  failed?: { err: unknown };
}

/** Held back for the budget past this, a connection stops reading (one socket read's worth). */
const HOLD_BYTES = 64 * 1024;

/** Where a stream keeps its connection, for the listeners all connections share. */
const CONNECTION = Symbol('kaoqin.connection');
type Tagged = Duplex & { [CONNECTION]: Connection };

/** The connection of a stream the constructor tagged (before it added any listener). */
const connectionOf = (stream: Duplex): Connection => (stream as Tagged)[CONNECTION];

export class Connection {
  readonly openedAt: number;
  lastActivityAt: number;
  /** Whether a request has passed every check (connection hygiene: 10 s to send one). */
  validSeen = false;
  deviceId: string | undefined;

  readonly #stream: Duplex;
  readonly #ctx: GatewayContext;
  readonly #requests: FrameRequests;
  readonly #events: ConnectionEvents;
  readonly #decoder: FrameDecoder;
  readonly #remote: string | undefined;
  readonly #budget: InFlightBudget | undefined;
  /** Answers in request order; each settles when its request is handled. */
  readonly #pending: Pending[] = [];
  #flushing = false;
  #flushQueued = false;
  #closing = false;
  #readPaused = false;
  #waitingDrain = false;
  /** Bytes read while the gateway's budget was full, held back unparsed till it has room. */
  #held: Buffer[] = [];
  #heldBytes = 0;

  constructor(
    stream: Duplex,
    ctx: GatewayContext,
    requests: FrameRequests,
    events: ConnectionEvents,
    remoteAddress?: string,
    budget?: InFlightBudget,
  ) {
    this.#stream = stream;
    this.#ctx = ctx;
    this.#requests = requests;
    this.#events = events;
    this.#remote = remoteAddress;
    this.#budget = budget;
    this.#decoder = new FrameDecoder({
      maxFrameBytes: ctx.config.maxFrameBytes,
      // A socket's reads are Node's, made for us: one copied whole into a frame is freed
      // at once (release-bytes.ts). Another stream's chunks may be its writer's to keep.
      onChunkCopied: stream instanceof Socket ? releaseBytes : undefined,
    });
    this.openedAt = ctx.now();
    this.lastActivityAt = this.openedAt;
    // Shared listeners that find the connection on the stream: five closures per
    // connection were ~0.3 KB of each held device's heap (docs/operations.md, "Memory per process").
    (stream as Tagged)[CONNECTION] = this;
    stream.on('data', Connection.#onDataListener);
    stream.on('drain', Connection.#onDrainListener);
    stream.on('error', Connection.#onErrorListener);
    stream.on('close', Connection.#onCloseListener);
    stream.on('end', Connection.#onEndListener);
  }

  static #onDataListener(this: Duplex, chunk: Buffer): void {
    connectionOf(this).#onData(chunk);
  }

  static #onDrainListener(this: Duplex): void {
    const conn = connectionOf(this);
    conn.#waitingDrain = false;
    conn.#updateFlow();
  }

  static #onErrorListener(this: Duplex): void {
    connectionOf(this).destroy();
  }

  static #onCloseListener(this: Duplex): void {
    const conn = connectionOf(this);
    conn.#budget?.forget(conn.#wake);
    conn.#dropHeld();
    conn.#closed();
  }

  static #onEndListener(this: Duplex): void {
    connectionOf(this).end();
  }

  get inFlight(): number {
    return this.#pending.length;
  }

  /** Whether it holds bytes back for the gateway's budget: its silence is then ours, not the device's. */
  get waitingForBudget(): boolean {
    return this.#held.length > 0;
  }

  /** Sends one unsolicited frame (the task push of D3); dropped if the peer is not reading. */
  push(frame: Uint8Array): boolean {
    if (this.#closing || this.#stream.writableLength > this.#ctx.config.maxWriteBufferBytes) return false;
    this.#write(frame);
    return true;
  }

  /** Closes after the answers already owed are written. */
  end(): void {
    if (this.#closing) return;
    // What the device sent before it ended is owed an answer, budget or not.
    this.#budget?.forget(this.#wake);
    this.#readHeld();
    this.#closing = true;
    this.#stream.pause();
    this.#flush();
  }

  destroy(): void {
    this.#closing = true;
    this.#stream.destroy();
  }

  #queueFrames(frames: readonly Uint8Array[]): void {
    for (const payload of frames) {
      // A zero-length frame carries nothing to answer: it only shows the link is alive.
      if (payload.byteLength === 0) continue;
      const bytes = payload.byteLength;
      this.#budget?.take(bytes);
      this.#pending.push(this.#track(this.#requests.process(payload, this.#remote), bytes));
      // process() read the frame into strings and a photo of its own before it returned:
      // a copy the decoder made is no one's now, and is freed rather than left to V8.
      if (this.#decoder.isCopy(payload)) releaseBytes(payload);
    }
  }

  #onData(chunk: Buffer): void {
    if (this.#closing) return;
    this.lastActivityAt = this.#ctx.now();
    const budget = this.#budget;
    if (budget && (this.#held.length > 0 || budget.full)) {
      // Parsed, a request costs the heap several times its bytes while it waits for the
      // group commit: hold the bytes and read them when the budget has room. The stream
      // is paused only once a read's worth is held (a device pipelining its backlog): a
      // device with its one request waiting sends nothing more, and pausing and resuming
      // each of thousands of sockets cost more than the wait.
      this.#held.push(chunk);
      this.#heldBytes += chunk.byteLength;
      budget.wait(this.#wake);
      this.#updateFlow();
      return;
    }
    this.#read(chunk);
    this.#updateFlow();
    this.#flush();
  }

  #read(chunk: Buffer): void {
    try {
      this.#queueFrames(this.#decoder.push(chunk));
    } catch (e) {
      // D1: the frames this read completed before the bad length are still answered, then
      // an error, then close.
      if (e instanceof FrameError) this.#queueFrames(e.framesBefore);
      const failed = this.#requests.framingFailure(
        e instanceof ProtocolError ? e : new FrameError(ERRORS.FRAME_MALFORMED),
      );
      this.#pending.push({ outcome: failed });
      // Nothing after a framing failure is read (D1: answer, then close).
      this.#dropHeld();
    }
  }

  /** Reads what was held back for the budget, in the order it came. */
  #readHeld(): void {
    const held = this.#held;
    this.#dropHeld();
    for (const chunk of held) {
      if (this.#closing) return;
      this.#read(chunk);
    }
  }

  #dropHeld(): void {
    this.#held = [];
    this.#heldBytes = 0;
  }

  /** Follows a request: once it settles, its bytes leave the budget and the answers at the head go out. */
  #track(promise: Promise<FrameOutcome>, bytes: number): Pending {
    const p: Pending = {};
    promise.then(
      (o) => {
        p.outcome = o;
        this.#budget?.give(bytes);
        this.#flushSoon();
      },
      (err: unknown) => {
        p.failed = { err };
        this.#budget?.give(bytes);
        this.#flushSoon();
      },
    );
    return p;
  }

  /**
   * Flushes once the requests settling in this same run of promise jobs have settled too
   * (a group commit settles a device's pipelined requests together): their answers then
   * go out in one write, not one each.
   */
  #flushSoon(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => {
      this.#flushQueued = false;
      this.#flush();
    });
  }

  /** Writes the answers settled at the head, in request order; called again as each request settles. */
  #flush(): void {
    // Writing never settles a request, but a stream's own events may run inside a write.
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      while (this.#pending.length) {
        const head = this.#pending[0]!;
        if (head.failed) {
          this.#ctx.logger.error({ err: head.failed.err }, 'request handling failed without an answer');
          this.destroy();
          return;
        }
        if (!head.outcome) return; // its settling flushes again
        if (this.#stream.destroyed) return;
        // Every answer already settled goes out in one write (cork), not one syscall each.
        this.#stream.cork();
        let closeNow = false;
        while (this.#pending[0]?.outcome) {
          const outcome = this.#pending.shift()!.outcome!;
          if (outcome.valid) this.validSeen = true;
          if (outcome.deviceId && outcome.deviceId !== this.deviceId) {
            this.deviceId = outcome.deviceId;
            this.#events.onDevice(this, outcome.deviceId);
          }
          this.#write(answerFrame(outcome.answer));
          if (outcome.close) {
            closeNow = true;
            break;
          }
        }
        this.#stream.uncork();
        // An answer is activity too: the idle clock runs from the last frame either way.
        this.lastActivityAt = this.#ctx.now();
        if (closeNow) {
          this.#pending.length = 0;
          this.#closing = true;
          this.#stream.end();
          return;
        }
        this.#updateFlow();
      }
      // Everything owed is written: close once it has left (a peer holding its half open
      // must not hold a shutdown up).
      if (this.#closing && !this.#stream.destroyed) this.#stream.end(() => this.#stream.destroy());
    } finally {
      this.#flushing = false;
    }
  }

  #write(frame: Uint8Array): void {
    if (!this.#stream.write(frame)) this.#waitingDrain = true;
    if (this.#stream.writableLength > this.#ctx.config.maxWriteBufferBytes) {
      this.#ctx.logger.warn({ deviceId: this.deviceId }, 'peer not reading its answers: connection closed');
      this.destroy();
    }
  }

  /** Woken by the gateway's budget: the time it waited was ours, not the device's silence. */
  readonly #wake = (): void => {
    this.lastActivityAt = this.#ctx.now();
    this.#readHeld();
    this.#updateFlow();
    this.#flush();
  };

  /**
   * Reads only while this connection has few requests in flight and not much held back
   * for the gateway's budget, and the peer takes its answers.
   */
  #updateFlow(): void {
    if (this.#closing) return;
    const stop =
      this.#heldBytes >= HOLD_BYTES ||
      this.#waitingDrain ||
      this.#pending.length >= this.#ctx.config.maxInFlightPerConnection;
    if (stop && !this.#readPaused) {
      this.#readPaused = true;
      this.#stream.pause();
    } else if (!stop && this.#readPaused) {
      this.#readPaused = false;
      this.#stream.resume();
    }
  }

  #closed(): void {
    this.#closing = true;
    this.#events.onClose(this);
  }
}
