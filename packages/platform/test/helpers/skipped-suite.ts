/**
 * A file's suite that needs a service this machine lacks: said on the console, and
 * reported as a skipped suite, since Vitest counts a file without one as a failed file.
 */
import { describe, it } from 'vitest';

export function skippedSuite(name: string, how: string): void {
  console.warn(`${name} skipped: ${how}`);
  describe.skip(`${name} (skipped: ${how})`, () => {
    it.skip('needs the service', () => {});
  });
}
