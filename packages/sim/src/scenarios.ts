/**
 * The simulator's scenarios, as functions (the CLI's and the tests' entry): each starts
 * a fleet of simulated devices against a platform, applies its load, waits for every
 * queue to drain, stops the devices, verifies on the platform's store when it was given
 * one, and returns the summary.
 *
 * - morningPeak: W workers clock in once each over a window (optionally capped in rate,
 *   optionally with a photo each).
 * - outage: steady clock-ins while the link is cut by an in-process proxy, then restored;
 *   measures the backlog's drain time.
 * - enrolBurst: sites created, the devices bound to them, persons enrolled while the
 *   devices run; measures task completion and each person's time until every device of
 *   their site holds them.
 * - soak: hours of steady clock-ins, with a summary line every minute.
 * - capture: a capture device enrols workers (X_ENROL_PERSON), some spoiled on purpose;
 *   the site's devices must then hold every accepted one.
 */
export { capture } from './capture.js';
export { enrolBurst } from './enrol-burst.js';
export { morningPeak } from './morning-peak.js';
export type {
  CaptureOptions,
  EnrolBurstOptions,
  MorningPeakOptions,
  OutageOptions,
  SimCommonOptions,
  SoakOptions,
} from './options.js';
export { outage } from './outage.js';
export { soak } from './soak.js';
