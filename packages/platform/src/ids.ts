/** Identifiers and credentials the platform issues. */
import { randomBytes, randomUUID } from 'node:crypto';

export const newId = (): string => randomUUID();

/** 32 lowercase hex characters from the CSPRNG: tokens (D7) and vendor credentials (1.1). */
export const randomHex32 = (): string => randomBytes(16).toString('hex');

/**
 * Time-ordered 19-digit decimal ids: epoch milliseconds (13 digits), a node number
 * (2 digits, so processes sharing one database never collide) and a sequence within the
 * millisecond (4 digits). D11 asks task ids to be 19-digit strings that sort by creation;
 * attendance rows use them too, because a key that grows appends at the right edge of
 * the B-tree instead of splitting random pages (a random UUID key cost ~15 % of SQLite's
 * insert rate here). Strictly increasing within a process, even if the clock steps back
 * or more than 10,000 ids are asked for in one millisecond: the sequence then borrows
 * the next millisecond.
 */
export class TimeIds {
  readonly #node: string;
  readonly #now: () => number;
  #ms = 0;
  #seq = 0;

  constructor(node = 0, now: () => number = Date.now) {
    if (!Number.isInteger(node) || node < 0 || node > 99) {
      throw new RangeError(`node must be an integer 0..99, got ${node}`);
    }
    this.#node = String(node).padStart(2, '0');
    this.#now = now;
  }

  next(): string {
    const now = Math.trunc(this.#now());
    if (now > this.#ms) {
      this.#ms = now;
      this.#seq = 0;
    } else if (++this.#seq > 9999) {
      this.#ms += 1;
      this.#seq = 0;
    }
    return `${String(this.#ms).padStart(13, '0')}${this.#node}${String(this.#seq).padStart(4, '0')}`;
  }

  /** The millisecond an id was made in (its first 13 digits). */
  static timeOf(id: string): number {
    return Number(id.slice(0, 13));
  }
}
