/**
 * A body's frames handled as a TCP connection handles them (gateway/connection.ts):
 * started in order, up to `maxInFlight` at once (so a phone's backlog of sign-ins is
 * group-committed together), answered in order.
 */
export async function inOrder<T>(
  payloads: readonly Uint8Array[],
  maxInFlight: number,
  handle: (payload: Uint8Array) => Promise<T>,
): Promise<T[]> {
  const out = new Array<T>(payloads.length);
  let next = 0;
  // Each lane takes the next frame as soon as its last one is answered; the lanes'
  // first frames start synchronously, in order.
  const lane = async (): Promise<void> => {
    while (next < payloads.length) {
      const i = next++;
      out[i] = await handle(payloads[i]!);
    }
  };
  const lanes = Math.max(1, Math.min(maxInFlight, payloads.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  return out;
}
