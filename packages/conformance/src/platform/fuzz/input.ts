/** What an input is (the pieces sent and what the platform owes them) and what a connection's inputs are built with. */
import type { PlatformTarget } from '../target.js';

export interface Piece {
  bytes: Uint8Array;
  /** Waited before this piece is written. */
  pauseMs: number;
}

/**
 * What the platform owes an input: 'answer' (an answer or a close), 'close' (we
 * half-close after it; answers may come first, then the close), or a probe's answer:
 * the last piece is a request of apicode `probe`, sent after bytes that owe nothing.
 */
export type Owed = 'answer' | 'close' | { probe: string };

export interface Input {
  kind: string;
  pieces: Piece[];
  owed: Owed;
  /** A C_AUTH for the connection's own device: a success answer's token replaces the connection's. */
  ownAuth?: boolean;
}

/** What a connection's inputs are built with. */
export interface Lane {
  target: PlatformTarget;
  token: string | undefined;
}
