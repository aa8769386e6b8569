/**
 * fn over items, started in the items' order, at most `limit` running at once, results in
 * the items' order. A roster import's rows overlap their checks and fsyncs this way
 * (imports/job.ts); the mobile bridge handles a body's frames as a TCP connection does
 * (gateway/connection.ts), so a phone's backlog of sign-ins is group-committed together.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  // Each lane takes the next item as soon as its last one is done; the lanes' first items
  // start synchronously, in order.
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  const lanes = Math.max(1, Math.min(limit, items.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  return out;
}
