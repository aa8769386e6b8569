/**
 * Live progress on stderr: on a terminal, one line redrawn in place (elapsed, created,
 * acked, in queue, online devices, ack rate); otherwise (a log file, CI) a plain line
 * every `plainEveryMs`. Notes (phase changes, soak's minute summaries) are printed as
 * lines of their own in both modes. Quiet prints nothing.
 */
import { performance } from 'node:perf_hooks';
import type { FleetTotals } from './fleet.js';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export type ProgressMode = 'auto' | 'bar' | 'lines' | 'quiet';

export interface ProgressOptions {
  stream?: ProgressStream;
  mode?: ProgressMode;
  /** Plain-line interval when not on a terminal. Default 10 s. */
  plainEveryMs?: number;
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export class Progress {
  readonly #stream: ProgressStream;
  readonly #mode: 'bar' | 'lines' | 'quiet';
  readonly #plainEveryMs: number;
  readonly #t0 = performance.now();
  #timer: NodeJS.Timeout | undefined;
  #source: (() => FleetTotals) | undefined;
  #phase = '';
  #lastAcked = 0;
  #lastAt = performance.now();
  #lastPlain = 0;
  #barShown = false;

  constructor(opts: ProgressOptions = {}) {
    this.#stream = opts.stream ?? process.stderr;
    const mode = opts.mode ?? 'auto';
    this.#mode = mode === 'auto' ? (this.#stream.isTTY ? 'bar' : 'lines') : mode;
    this.#plainEveryMs = opts.plainEveryMs ?? 10_000;
  }

  get elapsedMs(): number {
    return performance.now() - this.#t0;
  }

  /** Starts the periodic line over the fleet's totals. */
  watch(source: () => FleetTotals): void {
    this.#source = source;
    if (this.#mode === 'quiet' || this.#timer) return;
    this.#timer = setInterval(() => this.#tick(), this.#mode === 'bar' ? 500 : 1000);
    this.#timer.unref();
  }

  phase(name: string): void {
    this.#phase = name;
    this.note(name);
  }

  /** A line of its own (the bar is redrawn under it). */
  note(text: string): void {
    if (this.#mode === 'quiet') return;
    this.#clearBar();
    this.#stream.write(`[${fmtSeconds(this.elapsedMs)}] ${text}\n`);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#clearBar();
  }

  #tick(): void {
    const totals = this.#source?.();
    if (!totals) return;
    const now = performance.now();
    const rate = ((totals.acked - this.#lastAcked) * 1000) / Math.max(1, now - this.#lastAt);
    this.#lastAcked = totals.acked;
    this.#lastAt = now;
    const line =
      `${fmtSeconds(this.elapsedMs)} ${this.#phase} | created ${int.format(totals.created)}` +
      ` | acked ${int.format(totals.acked)} | in queue ${int.format(totals.queued)}` +
      ` | online ${int.format(totals.online)}/${int.format(totals.devices)} | ${int.format(rate)} acks/s` +
      (totals.refused > 0 ? ` | refused ${int.format(totals.refused)}` : '');
    if (this.#mode === 'bar') {
      this.#stream.write(`\r\x1b[2K${line}`);
      this.#barShown = true;
    } else if (now - this.#lastPlain >= this.#plainEveryMs) {
      this.#lastPlain = now;
      this.#stream.write(`${line}\n`);
    }
  }

  #clearBar(): void {
    if (!this.#barShown) return;
    this.#stream.write('\r\x1b[2K');
    this.#barShown = false;
  }
}

function fmtSeconds(ms: number): string {
  const s = ms / 1000;
  if (s < 600) return `${s.toFixed(1)} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}h${String(m).padStart(2, '0')}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}
