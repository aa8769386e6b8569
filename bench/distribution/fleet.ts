/** The simulated devices of a run, opened against the platform child, and waiting on what they report. */
import { SimDevice, type TaskDone } from './device.js';
import { type HttpClientKind, newCounters } from './device-http.js';
import type { PlatformHandle } from './processes.js';

export interface FleetOptions {
  devices: number;
  pageSize: number;
  photoInflight: number;
  heartbeatMs: number;
  version: string;
  httpClient: HttpClientKind;
}

/** The simulated devices of a run, and waiting on what they report. */
export class Fleet {
  readonly counters = newCounters();
  readonly devices: SimDevice[] = [];
  private readonly listeners = new Set<() => void>();

  private constructor(readonly platform: PlatformHandle) {}

  static async open(platform: PlatformHandle, o: FleetOptions): Promise<Fleet> {
    const fleet = new Fleet(platform);
    for (let i = 0; i < o.devices; i++) {
      fleet.devices.push(
        new SimDevice(
          i,
          {
            host: '127.0.0.1',
            tcpPort: platform.tcpPort,
            httpBaseUrl: `http://127.0.0.1:${platform.httpPort}`,
            sn: `bench-dist-${String(i).padStart(4, '0')}`,
            creds: platform.creds,
            version: o.version,
            pageSize: o.pageSize,
            photoInflight: o.photoInflight,
            heartbeatMs: o.heartbeatMs,
            httpClient: o.httpClient,
          },
          fleet.counters,
          (t) => fleet.onDone(t),
        ),
      );
    }
    try {
      await Promise.all(fleet.devices.map((d) => d.connect()));
    } catch (e) {
      fleet.close();
      throw e;
    }
    return fleet;
  }

  get sns(): string[] {
    return this.devices.map((d) => d.o.sn);
  }

  private onDone(_t: TaskDone): void {
    for (const l of [...this.listeners]) l();
  }

  /** Resolves when pred holds: checked after every task report, and every 250 ms. */
  waitFor(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolvePromise, reject) => {
      const check = (): void => {
        if (!pred()) return;
        done();
        resolvePromise();
      };
      const poll = setInterval(check, 250);
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${what}: not done within ${Math.round(timeoutMs / 1000)} s; ${this.progress()}`));
      }, timeoutMs);
      const done = (): void => {
        clearInterval(poll);
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
    });
  }

  /** One line on where the devices are, for errors. */
  progress(): string {
    const held = this.devices.map((d) => d.held.size);
    const failures = this.devices.flatMap((d) => d.failures.map((f) => `${d.o.sn}: ${f}`));
    return (
      `devices hold ${Math.min(...held)}…${Math.max(...held)} persons; ` +
      `${this.counters.pages} pages, ${this.counters.photos} photos taken; errors ${JSON.stringify(this.counters.errors)}` +
      (failures.length ? `; first failures: ${failures.slice(0, 3).join(' | ')}` : '')
    );
  }

  close(): void {
    for (const d of this.devices) d.close();
  }
}
