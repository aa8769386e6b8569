/**
 * Frees a buffer's memory now, for bytes the gateway owns and will not read again: a
 * socket read copied whole into a frame, a frame read into a request, a photo once the
 * group commit has made it durable.
 *
 * Why: V8 frees a dead Buffer's memory only when a collection finds it dead, and starts
 * one for Buffers only after about 64 MB more of them. A 70 KB photo frame arrives in two
 * or three socket reads and is copied into one frame, so at 1,000 photo sign-ins a second
 * the process held 100–150 MB of such dead bytes between collections, in the malloc heap,
 * which glibc does not give back (bench/README.md, "what was found").
 *
 * How: detaching an ArrayBuffer drops its memory at once. Node 21+ detaches with
 * `ArrayBuffer.prototype.transfer(0)`; Node 20 has that only behind a V8 flag, so there the
 * buffer is transferred in a message to a closed port, which discards the message and the
 * memory with it (~2 µs for 70 KB). A detached buffer reads as empty, so a view kept by
 * mistake shows up as missing bytes, never as other data. Only a view of a whole
 * ArrayBuffer is freed: a small Buffer is a slice of Node's shared pool, which must stay.
 */
import { MessageChannel } from 'node:worker_threads';

type Transferable = ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };

let port: MessageChannel['port1'] | undefined;

function closedPort(): MessageChannel['port1'] {
  if (!port) {
    const channel = new MessageChannel();
    channel.port2.close();
    channel.port1.close();
    port = channel.port1;
  }
  return port;
}

export function releaseBytes(bytes: Uint8Array): void {
  const buffer = bytes.buffer;
  const whole =
    buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength;
  if (!whole || buffer.byteLength === 0) return;
  const ab = buffer as Transferable;
  try {
    if (typeof ab.transfer === 'function') ab.transfer(0);
    else closedPort().postMessage(null, [ab]);
  } catch {
    // Not detachable (a WebAssembly memory, say): it is left to the collector, as before.
  }
}
