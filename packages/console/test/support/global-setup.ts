/**
 * Vitest's global setup: builds the console once, before any test file runs, when its
 * build is missing or older than its sources. Browser suites run in parallel workers;
 * each building on its own would rewrite dist/ under the others' feet.
 */
import { ensureConsoleBuilt } from './build';

export default function setup(): void {
  ensureConsoleBuilt();
}
