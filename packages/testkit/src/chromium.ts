/**
 * Debian's Chromium for the browser suites (the console's, the phone page's): where it
 * is, the flags every launch takes, and whether the suites can run here. A machine
 * without it skips those suites and says so, unless KAOQIN_REQUIRE_BROWSER=1 (.ci/run
 * sets it), where that is a failure. No browser type is named here: the testkit does not
 * depend on playwright-core; callers pass these to `chromium.launch`.
 */
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.KAOQIN_CHROMIUM ?? '/usr/bin/chromium';

/**
 * This machine's network is closed: without the last four, Chromium's background calls
 * home are refused many at a time and slow every start.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A camera that plays `y4m` (an absolute path, testkit's fake-camera.ts) in a loop, granted without asking. */
export function fakeCameraArgs(y4m: string): string[] {
  return [
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${y4m}`,
  ];
}

/** Why the browser suites cannot run here (undefined: they can); `suite` names them in the warning. */
export function browserSkipReason(suite: string): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const why = `no Chromium at ${CHROMIUM} (apt-get install chromium fonts-wqy-microhei, or set KAOQIN_CHROMIUM)`;
  if (process.env.KAOQIN_REQUIRE_BROWSER === '1') throw new Error(`KAOQIN_REQUIRE_BROWSER=1 but ${why}`);
  console.warn(`[${suite}] browser suites skipped: ${why}`);
  return why;
}
