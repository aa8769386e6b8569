/**
 * One TCP connection to the platform (D1 framing, D2 messages), device side.
 *
 * - Requests are written in call order; each waits for an in-flight slot (default 64)
 *   and, when the socket's buffer is full, for 'drain' (write backpressure).
 * - The platform answers in request order per connection, but an unsolicited push (D3,
 *   a heartbeat-shaped PlatformResponse) may arrive between answers, so an answer is
 *   matched to the oldest outstanding request of the same apicode (docs/protocol.md
 *   6.1). A C_HEARTBEAT frame with no heartbeat outstanding is a push. An answer with
 *   no apicode (a framing error, after which the platform closes) goes to the oldest
 *   request.
 * - A request not answered within its timeout (default 10 s) means the link is dead:
 *   the connection is closed and every outstanding request fails with LinkClosedError.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  DEFAULT_MAX_FRAME_BYTES,
  decodeAnswerPayload,
  FrameDecoder,
  FrameError,
  type PlatformResponse,
} from '@kaoqin/protocol';

export interface ConnectionOptions {
  host: string;
  port: number;
  /** Local address to connect from (a load generator spreads many devices over several). */
  localAddress?: string | undefined;
  /** Requests written and not yet answered, at most. Default 64. */
  maxInFlight?: number;
  /** An unanswered request older than this closes the connection. Default 10 s. */
  requestTimeoutMs?: number;
  /** Default 10 s. */
  connectTimeoutMs?: number;
  /** Largest answer frame accepted. Default 2 MiB (D1). */
  maxFrameBytes?: number;
  /** Unsolicited frames: the D3 push of task ids. */
  onPush?: (frame: PlatformResponse) => void;
  /** Aborts a connect in progress (the device is stopping). */
  signal?: AbortSignal;
}

/** The request could not be answered because the connection closed (or was never open). */
export class LinkClosedError extends Error {
  override name = 'LinkClosedError';
  constructor(readonly reason: string) {
    super(`link closed: ${reason}`);
  }
}

interface Waiting {
  apicode: string;
  build: () => Uint8Array;
  resolve: (answer: PlatformResponse) => void;
  reject: (err: Error) => void;
}

interface Outstanding {
  apicode: string;
  deadline: number;
  resolve: (answer: PlatformResponse) => void;
  reject: (err: Error) => void;
}

/** A request is lost at the latest this many timeouts after it was written, answers or not. */
const STALL_FACTOR = 6;

export class Connection {
  readonly #socket: Socket;
  readonly #decoder: FrameDecoder;
  readonly #maxInFlight: number;
  readonly #timeoutMs: number;
  /** performance.now() of the latest answer (progress: see #dueAt). */
  #lastAnswerAt = 0;
  readonly #onPush: ((frame: PlatformResponse) => void) | undefined;
  /** Written, unanswered, in write order. */
  readonly #outstanding: Outstanding[] = [];
  /** Not yet written: waiting for a slot or for 'drain'. */
  readonly #waiting: Waiting[] = [];
  #needDrain = false;
  #timer: NodeJS.Timeout | undefined;
  #closeReason: string | undefined;
  readonly closed: Promise<string>;
  #resolveClosed!: (reason: string) => void;

  private constructor(socket: Socket, opts: ConnectionOptions) {
    this.#socket = socket;
    this.#decoder = new FrameDecoder({ maxFrameBytes: opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES });
    this.#maxInFlight = Math.max(1, opts.maxInFlight ?? 64);
    this.#timeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.#onPush = opts.onPush;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => {
      this.#needDrain = false;
      this.#pump();
    });
    socket.on('error', (err) => this.close(`socket error: ${err.message}`));
    socket.on('end', () => this.close('platform closed the connection'));
    socket.on('close', () => this.close('connection closed'));
  }

  /** Connects; rejects with LinkClosedError when the platform cannot be reached in time. */
  static open(opts: ConnectionOptions): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({
        host: opts.host,
        port: opts.port,
        noDelay: true,
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      });
      const timeoutMs = opts.connectTimeoutMs ?? 10_000;
      const onAbort = () => fail('connect aborted');
      const fail = (reason: string) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        socket.destroy();
        reject(new LinkClosedError(reason));
      };
      const timer = setTimeout(() => fail(`connect timed out after ${timeoutMs} ms`), timeoutMs);
      if (opts.signal?.aborted) return fail('connect aborted');
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('error', (err) => fail(`connect failed: ${err.message}`));
      socket.once('connect', () => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        socket.removeAllListeners('error');
        // Heartbeats prove the link every 20 s; keepalive only catches a half-dead NAT sooner.
        socket.setKeepAlive(true, 30_000);
        resolve(new Connection(socket, opts));
      });
    });
  }

  get isClosed(): boolean {
    return this.#closeReason !== undefined;
  }

  /** Requests written and not answered. */
  get inFlight(): number {
    return this.#outstanding.length;
  }

  /** Requests of this apicode sent or waiting to be, and not answered. */
  pending(apicode: string): number {
    let n = 0;
    for (const o of this.#outstanding) if (o.apicode === apicode) n++;
    for (const w of this.#waiting) if (w.apicode === apicode) n++;
    return n;
  }

  /**
   * Sends one request and resolves with its answer. `build` makes the frame at the moment
   * it is written, so a request that waited for a slot still carries a fresh timeStamp.
   */
  request(apicode: string, build: () => Uint8Array): Promise<PlatformResponse> {
    if (this.#closeReason !== undefined) return Promise.reject(new LinkClosedError(this.#closeReason));
    return new Promise((resolve, reject) => {
      this.#waiting.push({ apicode, build, resolve, reject });
      this.#pump();
    });
  }

  close(reason = 'closed by the device'): void {
    if (this.#closeReason !== undefined) return;
    this.#closeReason = reason;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#socket.destroy();
    const err = new LinkClosedError(reason);
    for (const o of this.#outstanding.splice(0)) o.reject(err);
    for (const w of this.#waiting.splice(0)) w.reject(err);
    this.#resolveClosed(reason);
  }

  #pump(): void {
    while (
      this.#closeReason === undefined &&
      !this.#needDrain &&
      this.#waiting.length > 0 &&
      this.#outstanding.length < this.#maxInFlight
    ) {
      const w = this.#waiting.shift()!;
      let frame: Uint8Array;
      try {
        frame = w.build();
      } catch (err) {
        w.reject(err instanceof Error ? err : new Error(String(err)));
        continue;
      }
      this.#outstanding.push({
        apicode: w.apicode,
        deadline: performance.now() + this.#timeoutMs,
        resolve: w.resolve,
        reject: w.reject,
      });
      if (!this.#socket.write(frame)) this.#needDrain = true;
      this.#armTimer();
    }
  }

  /**
   * When the oldest request counts as lost: requestTimeoutMs after it was written, or
   * after the latest answer if that is later. A slow uplink carrying 32 photo records
   * (2 MB) can take longer than the timeout to deliver the last of them while answers
   * keep coming; that link is alive. Never later than STALL_FACTOR timeouts after the
   * write, so a request the platform never answers still frees its slot.
   */
  #dueAt(o: Outstanding): number {
    const sentAt = o.deadline - this.#timeoutMs;
    return Math.min(
      Math.max(o.deadline, this.#lastAnswerAt + this.#timeoutMs),
      sentAt + STALL_FACTOR * this.#timeoutMs,
    );
  }

  /** One timer per connection, for the oldest outstanding request (all share one timeout). */
  #armTimer(): void {
    if (this.#timer || this.#closeReason !== undefined) return;
    const oldest = this.#outstanding[0];
    if (!oldest) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        const head = this.#outstanding[0];
        if (head && this.#dueAt(head) <= performance.now()) {
          this.close(`no answer to ${head.apicode} within ${this.#timeoutMs} ms`);
          return;
        }
        this.#armTimer();
      },
      Math.max(1, this.#dueAt(oldest) - performance.now()),
    );
  }

  #onData(chunk: Buffer): void {
    let payloads: Uint8Array[];
    let bad: string | undefined;
    try {
      payloads = this.#decoder.push(chunk);
    } catch (err) {
      // The answers completed before the bad length still settle their requests.
      payloads = err instanceof FrameError ? err.framesBefore : [];
      bad = `bad frame from the platform: ${(err as Error).message}`;
    }
    for (const payload of payloads) {
      let frame: PlatformResponse;
      try {
        frame = decodeAnswerPayload(payload);
      } catch (err) {
        this.close(`undecodable answer: ${(err as Error).message}`);
        return;
      }
      this.#dispatch(frame);
      if (this.#closeReason !== undefined) return;
    }
    if (bad !== undefined) {
      this.close(bad);
      return;
    }
    this.#pump();
  }

  /**
   * Runs onPush inside the socket's data handler: one that throws must not lose the frames
   * behind the push (or escape as an uncaught exception), so its error becomes a warning.
   */
  #push(frame: PlatformResponse): void {
    if (!this.#onPush) return;
    try {
      this.#onPush(frame);
    } catch (err) {
      process.emitWarning(`kaoqin device: onPush threw: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  #dispatch(frame: PlatformResponse): void {
    let index = -1;
    if (frame.apicode === '') {
      // A framing or decoding refusal carries no apicode; answers are in order, so it is the oldest's.
      index = this.#outstanding.length > 0 ? 0 : -1;
    } else {
      index = this.#outstanding.findIndex((o) => o.apicode === frame.apicode);
    }
    if (index < 0) {
      // D3: a heartbeat-shaped frame nobody asked for is a push. Anything else unmatched
      // is an answer we cannot place; it is dropped (its request, if any, times out).
      if (frame.apicode === 'C_HEARTBEAT') this.#push(frame);
      return;
    }
    // The timer is not re-armed here: when it fires it checks whoever is oldest then,
    // which saves a clearTimeout/setTimeout pair per answer during a backlog drain.
    const [o] = this.#outstanding.splice(index, 1);
    this.#lastAnswerAt = performance.now();
    o!.resolve(frame);
  }
}
