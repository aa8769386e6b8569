/**
 * How many processes serve --workers runs (cli/workers.ts): 'auto' is one per core where
 * processes can share everything, more when --max-connections asks for more than one
 * process holds; each worker takes its share of the connections and its node number.
 */
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { workerConfig, workerCount } from '../../src/cli/workers.js';
import { configSchema } from '../../src/config/schema.js';

const pg = { databaseUrl: 'postgres://kaoqin@db/kaoqin' };
const config = (over: Record<string, unknown>) => configSchema.parse(over);

describe('workerCount', () => {
  it('is one per core on PostgreSQL with shared photos, Redis or not', () => {
    expect(workerCount(config({ ...pg, workers: 'auto' }))).toBe(availableParallelism());
    expect(workerCount(config({ ...pg, workers: 'auto', redisUrl: 'redis://r' }))).toBe(
      availableParallelism(),
    );
    expect(workerCount(config({ ...pg, workers: 3 }))).toBe(3);
  });

  it('takes enough processes for --max-connections, at a process limit of 19,000', () => {
    const cores = availableParallelism();
    expect(workerCount(config({ ...pg, workers: 'auto', maxConnections: 100_000 }), 19_000)).toBe(
      Math.max(cores, 6),
    );
    expect(workerCount(config({ ...pg, workers: 'auto', maxConnections: 5_000 }), 19_000)).toBe(cores);
  });

  it('is one on SQLite or local photos, and refuses more there with the reason', () => {
    expect(workerCount(config({ workers: 'auto' }))).toBe(1);
    expect(workerCount(config({ ...pg, blobStore: 'local', workers: 'auto' }))).toBe(1);
    expect(() => workerCount(config({ workers: 2 }))).toThrow(UsageError);
    expect(() => workerCount(config({ workers: 2 }))).toThrow('SQLite has one writer');
    expect(() => workerCount(config({ ...pg, blobStore: 'local', workers: 2 }))).toThrow(
      'photos in the database',
    );
  });

  it('refuses node numbers past 99', () => {
    expect(() => workerCount(config({ ...pg, workers: 4, nodeId: 97 }))).toThrow('would pass node number 99');
  });
});

describe('workerConfig', () => {
  it('gives each worker its node number and its share of the connections', () => {
    const base = config({ ...pg, nodeId: 10, maxConnections: 100_000 });
    expect(workerConfig(base, 0, 6)).toMatchObject({ nodeId: 10, maxConnections: 16_667 });
    expect(workerConfig(base, 5, 6)).toMatchObject({ nodeId: 15, maxConnections: 16_667 });
    // Without a limit each keeps its own default (its open-file limit).
    expect(workerConfig(config({ ...pg, nodeId: 10 }), 1, 2).maxConnections).toBeUndefined();
  });
});
