/**
 * A failure report at most every `everyMs`, with how many failed since the last one:
 * when Redis is down, every device request or event-loop turn may fail the same way,
 * and one line every few seconds says as much as thousands.
 */
export function throttled(
  everyMs: number,
  report: (err: unknown, failures: number) => void,
): (err: unknown) => void {
  let failures = 0;
  let reportedAt = Number.NEGATIVE_INFINITY;
  return (err) => {
    failures++;
    const now = performance.now();
    if (now - reportedAt < everyMs) return;
    reportedAt = now;
    const n = failures;
    failures = 0;
    report(err, n);
  };
}
