/**
 * Vitest's global setup: builds the console and the phone page once, before any test
 * file runs, when a build is missing or older than its sources. Browser suites run in
 * parallel workers; each building on its own would rewrite dist/ under the others' feet.
 */
import { ensureConsoleBuilt } from '../packages/console/test/support/build.js';
import { ensureMobileBuilt } from '../packages/mobile/test/support/build.js';

export default function setup(): void {
  ensureConsoleBuilt();
  ensureMobileBuilt();
}
