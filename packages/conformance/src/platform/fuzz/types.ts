/** The fuzz pass's options, findings and result, and its limits and defaults. */

export interface FuzzOptions {
  /** How many inputs. */
  inputs: number;
  /** The inputs' seed (default 1). */
  seed?: number;
  /** Connections fuzzed at once, each as its own device (default 4). */
  concurrency?: number;
  /** How long an input's answer (or the close) may take, ms (default 5000). */
  answerTimeoutMs?: number;
  /** Told of the inputs done so far, after each. */
  onProgress?(done: number): void;
}

export interface FuzzFinding {
  /** The input's number (0-based): its choices are those of (seed, input). */
  input: number;
  /** What went wrong: hang, undecodable, undocumented-code, bad-error, unframed, connect. */
  kind: string;
  /** What the input was: random-bytes, auth-field, sign-in-param, zero-length, … */
  inputKind: string;
  reason: string;
  /** The bytes sent, hex, at most EVIDENCE_BYTES of them. */
  sentHex: string;
  /** How many bytes were sent. */
  sentBytes: number;
  /** The frame received, hex (capped the same way), when the finding is about one. */
  receivedHex?: string;
}

export interface FuzzResult {
  inputs: number;
  /** Inputs whose first answer was success. */
  answered: number;
  /** Inputs whose first answer was a refusal with a documented code, by code. */
  refused: Record<string, number>;
  /** Inputs met by the platform closing the connection (before or without an answer). */
  closed: number;
  /** The first findings (at most MAX_FINDINGS); findingCount has them all. */
  findings: FuzzFinding[];
  findingCount: number;
  elapsedMs: number;
  /** Whether a plain C_AUTH on a new connection was answered success after the last input. */
  stillAlive: boolean;
}

export const MAX_FINDINGS = 20;
export const DEFAULT_ANSWER_TIMEOUT_MS = 5000;
export const DEFAULT_CONCURRENCY = 4;
