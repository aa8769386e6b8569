/** A connection to the platform that keeps nothing but the frames not yet read (a run is long). */
import { connect, type Socket } from 'node:net';
import { FrameDecoder } from '@kaoqin/protocol';
import type { PlatformTarget } from '../target.js';

export type Got =
  | { kind: 'frame'; bytes: Uint8Array }
  | { kind: 'closed' }
  | { kind: 'timeout' }
  | { kind: 'unframed'; reason: string };

export class Conn {
  readonly #socket: Socket;
  readonly #decoder = new FrameDecoder();
  readonly #frames: Uint8Array[] = [];
  #closed = false;
  #unframed: string | undefined;
  #wake: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const f of this.#decoder.push(chunk)) this.#frames.push(f);
      } catch (e) {
        this.#unframed ??= (e as Error).message;
      }
      this.#wake?.();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
    socket.on('error', () => {});
  }

  static open(target: PlatformTarget, ms: number): Promise<Conn> {
    const socket = connect({ host: target.tcpHost, port: target.tcpPort, noDelay: true });
    return new Promise<Conn>((resolve, reject) => {
      const t = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no connection within ${ms} ms`));
      }, ms);
      socket.once('connect', () => {
        clearTimeout(t);
        resolve(new Conn(socket));
      });
      socket.once('error', (e) => {
        clearTimeout(t);
        reject(e);
      });
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(bytes: Uint8Array): void {
    if (!this.#closed && !this.#socket.writableEnded) this.#socket.write(bytes);
  }

  /** Half-closes: nothing more will be sent. */
  end(): void {
    if (!this.#socket.writableEnded) this.#socket.end();
  }

  destroy(): void {
    this.#socket.destroy();
  }

  async next(ms: number): Promise<Got> {
    const deadline = Date.now() + ms;
    for (;;) {
      const frame = this.#frames.shift();
      if (frame) return { kind: 'frame', bytes: frame };
      if (this.#unframed !== undefined) return { kind: 'unframed', reason: this.#unframed };
      if (this.#closed) return { kind: 'closed' };
      const left = deadline - Date.now();
      if (left <= 0) return { kind: 'timeout' };
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }
}
