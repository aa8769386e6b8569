/** An in-memory socket pair (Node 20 has no stream.duplexPair): what one side writes, the other reads. */
import { Duplex } from 'node:stream';

class End extends Duplex {
  peer!: End;
  /** A write held until the peer's reader asks for more: backpressure, as a socket has. */
  held: (() => void) | undefined;
  override _read(): void {
    const cb = this.peer.held;
    this.peer.held = undefined;
    cb?.();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.peer.push(chunk)) cb();
    else this.held = () => cb();
  }
  override _final(cb: (e?: Error | null) => void): void {
    this.peer.push(null);
    cb();
  }
  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    if (!this.peer.destroyed) this.peer.destroy();
    cb(err);
  }
}

export function duplexPair(): [Duplex, Duplex] {
  const a = new End({ allowHalfOpen: true });
  const b = new End({ allowHalfOpen: true });
  a.peer = b;
  b.peer = a;
  return [a, b];
}
