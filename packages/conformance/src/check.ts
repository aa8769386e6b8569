/**
 * A check: one observable rule of one clause, run against a target, with what was sent
 * and received kept as evidence. A check passes by returning, fails by throwing
 * CheckFailure (or anything else: a crash of the check is reported as a failure with its
 * message), and is "not run" when it throws NotRun (it needs something the operator did
 * not give, such as an operator hook).
 */
export type Verdict = 'pass' | 'fail' | 'not-run';

/** One step on the wire, in order: bytes sent or received (hex, capped), a close, a wait that ran out. */
export interface Exchange {
  /** Milliseconds since the check started. */
  at: number;
  kind: 'sent' | 'received' | 'closed' | 'timeout' | 'note';
  /** The bytes, hex, at most EVIDENCE_BYTES of them. */
  hex?: string;
  /** How many bytes there were (hex may hold fewer). */
  bytes?: number;
  /** What the bytes were, decoded, when they decode. */
  text?: string;
}

/** Evidence is capped: a photo sign-in's bytes would drown a report. */
export const EVIDENCE_BYTES = 512;

export class Evidence {
  readonly exchanges: Exchange[] = [];
  readonly #start = performance.now();
  readonly #secrets: Buffer[];

  /**
   * `secrets` (the accessKey and accessSecret) are masked with `*` wherever they occur in
   * what is recorded: C_AUTH carries the accessKey on the wire, and a report is handed on.
   */
  constructor(secrets: readonly string[] = []) {
    this.#secrets = secrets.filter((s) => s.length >= 4).map((s) => Buffer.from(s));
  }

  #push(e: Omit<Exchange, 'at'>): void {
    this.exchanges.push({ at: Math.round(performance.now() - this.#start), ...e });
  }

  sent(bytes: Uint8Array, text?: string): void {
    this.#bytes('sent', bytes, text);
  }

  received(bytes: Uint8Array, text?: string): void {
    this.#bytes('received', bytes, text);
  }

  #bytes(kind: 'sent' | 'received', bytes: Uint8Array, text: string | undefined): void {
    const masked = this.#mask(Buffer.from(bytes));
    const t = text === undefined ? undefined : this.#mask(Buffer.from(text)).toString();
    this.#push({ kind, ...hexOf(masked), ...(t !== undefined ? { text: t } : {}) });
  }

  #mask(b: Buffer): Buffer {
    let out = b;
    for (const secret of this.#secrets) {
      for (let i = out.indexOf(secret); i >= 0; i = out.indexOf(secret, i + secret.length)) {
        if (out === b) out = Buffer.from(b); // copy once: the caller's bytes stay as sent
        out.fill(0x2a, i, i + secret.length);
      }
    }
    return out;
  }

  closed(): void {
    this.#push({ kind: 'closed' });
  }

  timeout(ms: number): void {
    this.#push({ kind: 'timeout', text: `nothing within ${ms} ms` });
  }

  note(text: string): void {
    this.#push({ kind: 'note', text });
  }
}

function hexOf(bytes: Uint8Array): { hex: string; bytes: number } {
  return { hex: Buffer.from(bytes.subarray(0, EVIDENCE_BYTES)).toString('hex'), bytes: bytes.byteLength };
}

export class CheckFailure extends Error {
  override name = 'CheckFailure';
}

export class NotRun extends Error {
  override name = 'NotRun';
}

/** Fails the check with `message` unless `condition` holds. */
export function must(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailure(message);
}

export interface Check<Target> {
  /** Stable, dotted: `auth.bad-sign`. Reports and fixtures refer to checks by it. */
  id: string;
  /** A clause id of clauses.json. */
  clause: string;
  /** What a pass means, in one line. */
  title: string;
  /** Its own time limit, for a check whose length the operator chooses (the fuzz pass). */
  timeoutMs?: number;
  run(target: Target, evidence: Evidence): Promise<void>;
}

export interface CheckResult {
  id: string;
  clause: string;
  title: string;
  verdict: Verdict;
  /** Why it failed or was not run. */
  reason?: string;
  ms: number;
  exchanges: Exchange[];
}
