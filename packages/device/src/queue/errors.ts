/**
 * The sign-in queue's errors, and what its log says when the storage fails: a failure
 * reaches the caller (enqueue) or the log and the queueError event, never silence.
 */
import type { QueueOperation } from '../types.js';

/** enqueue() on a full queue. Nothing was stored; the caller decides what to tell the worker. */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
  readonly code = 'QUEUE_FULL';
  constructor(
    readonly depth: number,
    readonly capacity: number,
  ) {
    super(`sign-in queue full: ${depth} records waiting, capacity ${capacity}; the record was not stored`);
  }
}

/**
 * The queue's storage failed (disk full, I/O error, a file it cannot open). For
 * enqueue(): nothing was stored; the caller decides what to tell the worker. The
 * storage's own error is `cause`.
 */
export class QueueStorageError extends Error {
  override name = 'QueueStorageError';
  readonly code = 'QUEUE_STORAGE';
  constructor(
    readonly operation: QueueOperation,
    cause: unknown,
  ) {
    super(`sign-in queue storage failed (${operation}): ${errorMessage(cause)}`, { cause });
  }
}

export class QueueClosedError extends Error {
  override name = 'QueueClosedError';
  constructor() {
    super('sign-in queue is closed');
  }
}

/** What the log says when a storage operation fails, and what becomes of the records. */
export const STORAGE_FAILURE_MESSAGES: Readonly<Record<QueueOperation, string>> = {
  open: 'could not open the sign-in queue',
  enqueue: 'sign-in queue write failed: the records were not stored',
  remove: 'could not delete acked records (they will be sent again)',
  bury: 'could not move a refused record to the dead letters (it will be sent again after a restart)',
  read: 'could not read queued records (retrying after a pause)',
};

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
