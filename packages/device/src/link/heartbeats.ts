/**
 * When the session beats: every interval, spread at random by a jitter, so that devices
 * powered on together (as after a site's power cut) do not beat together for ever. What
 * a beat sends is the session's.
 */
export class HeartbeatSchedule {
  readonly #intervalMs: number;
  readonly #jitter: number;
  #timer: NodeJS.Timeout | undefined;

  /** `intervalMs` 0 turns periodic beats off; `jitter` is clamped to [0, 0.5]. */
  constructor(intervalMs: number, jitter: number) {
    this.#intervalMs = intervalMs;
    this.#jitter = Math.min(0.5, Math.max(0, jitter));
  }

  /** Beats once now, then every intervalMs × (1 ± jitter) until stop(). */
  start(beat: () => void): void {
    const next = () => {
      const spread = this.#jitter * (2 * Math.random() - 1);
      this.#timer = setTimeout(
        () => {
          beat();
          next();
        },
        this.#intervalMs * (1 + spread),
      );
    };
    if (this.#intervalMs > 0) next();
    beat();
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
