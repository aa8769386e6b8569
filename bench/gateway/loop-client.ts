/**
 * The harness's side of loop-probe.mjs: the server's own event-loop delay over a
 * phase's measured window, asked for once the phase is over (the probe keeps its samples
 * with their times). A probe that does not answer within five seconds gives no figure
 * rather than holding the run up: the server answers on the loop it measures.
 */
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { REPO_ROOT } from './children.js';

export const LOOP_PROBE_MODULE = resolve(REPO_ROOT, 'bench/gateway/loop-probe.mjs');

export interface LoopDelay {
  /** Samples taken in the window (one per ~2 ms of loop time). */
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Samples that came more than 20 ms late. */
  stallsOver20Ms: number;
}

/** The environment that makes a Node server load the probe and listen on `socket`. */
export function probeEnv(socket: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const opts = [env.NODE_OPTIONS, `--import=${LOOP_PROBE_MODULE}`].filter(Boolean).join(' ');
  return { ...env, NODE_OPTIONS: opts, KAOQIN_BENCH_LOOP_SOCKET: socket };
}

function ask(socket: string, cmd: string, timeoutMs = 5000): Promise<string | undefined> {
  return new Promise((done) => {
    const s = connect(socket);
    let buf = '';
    const finish = (v: string | undefined): void => {
      clearTimeout(timer);
      s.destroy();
      done(v);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    s.setEncoding('utf8');
    s.on('connect', () => s.write(`${cmd}\n`));
    s.on('data', (c: string) => {
      buf += c;
      const i = buf.indexOf('\n');
      if (i >= 0) finish(buf.slice(0, i));
    });
    s.on('error', () => finish(undefined));
  });
}

export class LoopProbe {
  constructor(readonly socket: string) {}

  /** The delay over [fromMs, toMs] (epoch ms, the harness's and the server's shared clock). */
  async read(fromMs: number, toMs: number): Promise<LoopDelay | undefined> {
    const line = await ask(this.socket, `read ${Math.floor(fromMs)} ${Math.ceil(toMs)}`);
    if (line === undefined) return undefined;
    try {
      const o = JSON.parse(line) as Partial<LoopDelay>;
      return typeof o.count === 'number' ? (o as LoopDelay) : undefined;
    } catch {
      return undefined;
    }
  }
}
