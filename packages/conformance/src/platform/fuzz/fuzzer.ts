/**
 * One connection's fuzzer: plays a device of its own, sends it the inputs it is given and
 * judges what comes back, opening (and authenticating) a new connection when the last one
 * closed.
 */
import type { PlatformTarget } from '../target.js';
import { authFrame } from '../wire.js';
import { concat } from './bytes.js';
import { Conn } from './conn.js';
import type { Input, Lane } from './input.js';
import { hexOf, judge } from './judge.js';
import { makeInput } from './make-input.js';
import type { Outcome, Tally } from './tally.js';

export class Fuzzer {
  readonly #seed: number;
  readonly #ms: number;
  readonly #lane: Lane;
  #conn: Conn | undefined;

  constructor(target: PlatformTarget, seed: number, ms: number) {
    this.#seed = seed;
    this.#ms = ms;
    this.#lane = { target, token: undefined };
  }

  close(): void {
    this.#conn?.destroy();
    this.#conn = undefined;
  }

  /**
   * The connection, opened and authenticated if the last one closed (fresh: opened now);
   * a string says why there is none.
   */
  async #connection(): Promise<{ conn: Conn; fresh: boolean } | string> {
    if (this.#conn && !this.#conn.closed) return { conn: this.#conn, fresh: false };
    this.close();
    let conn: Conn;
    try {
      conn = await Conn.open(this.#lane.target, this.#ms);
    } catch (e) {
      return `cannot connect: ${(e as Error).message}`;
    }
    this.#conn = conn;
    conn.write(authFrame(this.#lane.target));
    const got = await conn.next(this.#ms);
    if (got.kind === 'timeout') {
      this.close();
      return `a plain C_AUTH on a new connection was not answered within ${this.#ms} ms`;
    }
    if (got.kind === 'frame') {
      const v = judge(got.bytes);
      if (v.ok && v.success && v.token) this.#lane.token = v.token;
    }
    return { conn, fresh: true };
  }

  /**
   * Sends input i and judges what comes back. A close met on a connection an earlier
   * input used may be that input's (a platform closes after answering a malformed frame):
   * the input is sent once more, on a new connection, and that outcome counts.
   */
  async run(i: number, tally: Tally): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const c = await this.#connection();
      const input = makeInput(this.#seed, i, this.#lane);
      // Without a connection the input was not sent: the finding is the connection's.
      const sent = typeof c === 'string' ? new Uint8Array(0) : concat(input.pieces.map((p) => p.bytes));
      const o: Outcome =
        typeof c === 'string'
          ? { kind: 'finding', finding: { kind: c.startsWith('cannot') ? 'connect' : 'hang', reason: c } }
          : await this.#send(input, c.conn);
      if (o.kind === 'closed' && typeof c !== 'string' && !c.fresh && attempt === 0) continue;
      if (o.kind === 'success') tally.answered++;
      else if (o.kind === 'refused') tally.refused[o.code] = (tally.refused[o.code] ?? 0) + 1;
      else if (o.kind === 'closed') tally.closed++;
      else
        tally.find({
          input: i,
          inputKind: input.kind,
          sentHex: hexOf(sent),
          sentBytes: sent.length,
          ...o.finding,
        });
      return;
    }
  }

  async #send(input: Input, conn: Conn): Promise<Outcome> {
    for (const p of input.pieces) {
      if (p.pauseMs > 0) await new Promise((r) => setTimeout(r, p.pauseMs));
      conn.write(p.bytes);
    }
    if (input.owed === 'close') conn.end();
    const finding = (kind: string, reason: string, received?: Uint8Array): Outcome => {
      this.close(); // what follows on this connection could not be told apart
      return {
        kind: 'finding',
        finding: received ? { kind, reason, receivedHex: hexOf(received) } : { kind, reason },
      };
    };
    let first: Outcome | undefined;
    // Answers to take: one; up to four (the zeros' and the probe's) for a probe; any number before a close.
    for (let n = 0; n < 4; n++) {
      const got = await conn.next(this.#ms);
      if (got.kind === 'closed') {
        this.close();
        return first ?? { kind: 'closed' };
      }
      if (got.kind === 'timeout') {
        const what =
          input.owed === 'close'
            ? 'no close after the half-close'
            : typeof input.owed === 'object'
              ? `no answer to the ${input.owed.probe} sent after it`
              : 'no answer and no close';
        return finding('hang', `${what} within ${this.#ms} ms`);
      }
      if (got.kind === 'unframed')
        return finding('unframed', `the platform's bytes do not frame (clause 1.2): ${got.reason}`);
      const v = judge(got.bytes);
      if (!v.ok) return finding(v.kind, v.reason, got.bytes);
      first ??= v.success ? { kind: 'success' } : { kind: 'refused', code: v.code };
      if (v.success && v.token && input.ownAuth) this.#lane.token = v.token;
      if (input.owed === 'answer') return first;
      if (typeof input.owed === 'object' && v.apicode === input.owed.probe) return first;
    }
    return finding('hang', 'answers kept coming, and no close');
  }
}
