/**
 * Opens the sign-in queue's storage: the SQLite file or, for simulations, memory. Apart
 * from the contract both implement (storage-types.ts), so the stores need not import
 * the module that chooses between them.
 */
import { MemoryQueueStore } from './memory-store.js';
import type { QueueStorage } from './storage-types.js';
import { SqliteQueueStore } from './store.js';

/** The in-memory path: no file, nothing survives the process. */
export const MEMORY_PATH = ':memory:';

/** A SQLite file, or the memory store for MEMORY_PATH (simulations only). */
export function openQueueStorage(path: string): QueueStorage {
  return path === MEMORY_PATH ? new MemoryQueueStore() : new SqliteQueueStore(path);
}
