/** The sign-in queue's options, inputs and statistics (the queue itself: durable-queue.ts). */
import type { DeviceEventEmitter, DeviceLog } from '../events.js';

export interface DurableQueueOptions {
  /** SQLite file, or ':memory:' for records in process memory (not durable: simulations only). */
  path: string;
  /** Records kept at most. Default 100,000. */
  capacity?: number;
  /** Records sent and not yet answered, at most. Default 32. */
  maxInFlight?: number;
  /** Pause after the first failed send; doubles up to retryMaxMs (full jitter). Default 500 ms. */
  retryBaseMs?: number;
  /** Default 30 s. */
  retryMaxMs?: number;
  /** Receives queueDepth, queueFull, acked and queueError. */
  events?: DeviceEventEmitter;
  /** Wrapped with safeLog: a log function that throws cannot stall the queue. */
  log?: DeviceLog;
  /** Clock for enqueuedAt and ack latency. Default Date.now. */
  now?: () => number;
}

export interface QueueStats {
  /** Records waiting for an ack (in flight included). */
  depth: number;
  capacity: number;
  inFlight: number;
  /** Records in the dead-letter table. */
  deadLetters: number;
  /** Since this queue was opened: */
  enqueued: number;
  acked: number;
  refused: number;
  retried: number;
  rejectedFull: number;
  /** Storage operations that failed (enqueue, delete of acked records, dead-lettering, read). */
  storageErrors: number;
  /** recordTime of the oldest record waiting, if any. */
  oldestRecordTime: number | undefined;
}

export interface EnqueueInput {
  key: string;
  param: string;
  recordTime: number;
}

export interface Enqueued {
  seq: number;
  /** Queue depth just after this record was committed. */
  depth: number;
}
