/** releaseBytes (gateway/release-bytes.ts): frees what the gateway owns, and nothing else. */
import { describe, expect, it } from 'vitest';
import { releaseBytes } from '../../src/gateway/release-bytes.js';

describe('releaseBytes', () => {
  it('frees a buffer that is all of its memory: it reads as empty after', () => {
    const bytes = Buffer.alloc(70_000, 1);
    const before = process.memoryUsage().arrayBuffers;
    releaseBytes(bytes);
    expect(bytes.byteLength).toBe(0);
    expect(bytes.buffer.byteLength).toBe(0);
    expect(process.memoryUsage().arrayBuffers).toBeLessThanOrEqual(before - 70_000);
    const plain = new Uint8Array(10_000);
    releaseBytes(plain);
    expect(plain.byteLength).toBe(0);
  });

  it('leaves a view of part of a buffer, and Node pooled small Buffers, as they are', () => {
    const big = Buffer.alloc(10_000, 2);
    const part = big.subarray(100, 200);
    releaseBytes(part);
    expect(part.byteLength).toBe(100);
    expect(big.byteLength).toBe(10_000);
    const pooled = Buffer.from('abc');
    const neighbour = Buffer.from('def');
    releaseBytes(pooled);
    expect(pooled.toString()).toBe('abc');
    expect(neighbour.toString()).toBe('def');
  });

  it('leaves a buffer that cannot be detached, without throwing', () => {
    // The tests' TypeScript config has no WebAssembly types; Node has the global.
    const wasm = (
      globalThis as unknown as {
        WebAssembly: { Memory: new (d: { initial: number }) => { buffer: ArrayBuffer } };
      }
    ).WebAssembly;
    const memory = new wasm.Memory({ initial: 1 });
    const bytes = new Uint8Array(memory.buffer);
    bytes[0] = 7;
    expect(() => releaseBytes(bytes)).not.toThrow();
    expect(new Uint8Array(memory.buffer)[0]).toBe(7);
  });

  it('is harmless on a buffer already freed', () => {
    const bytes = Buffer.alloc(5000);
    releaseBytes(bytes);
    expect(() => releaseBytes(bytes)).not.toThrow();
  });
});
