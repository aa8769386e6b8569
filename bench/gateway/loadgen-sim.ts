/**
 * The sim load worker (`--load-generator sim`), a child process of the harness like
 * loadgen.ts and with the same IPC commands: connect, run, status, close. Its devices are
 * real DeviceClients of @kaoqin/device, the reference SDK, about 10,000 to a process:
 * each signs, frames, queues and retries its own requests, and heartbeats every
 * keepaliveMs on its own (the SDK's 20 s timer). See sim-connect.ts and sim-phase.ts.
 *
 * Queues are in memory (`queue.path` ':memory:'), no task runner runs, and the worker's
 * data directory is a fresh temporary one, removed on close. It exits when the harness
 * goes away.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectResult, ConnectSpec, PhaseResult, PhaseSpec, StatusResult } from './messages.js';
import { PhotoFactory } from './photo.js';
import { SimConnector } from './sim-connect.js';
import { reasonCode, SimDevice, type SimDeviceEvents, totals } from './sim-device.js';
import { SimPhase } from './sim-phase.js';
import { type LoadWorker, serveLoadWorker } from './worker-main.js';

const CLOSE_WAIT_MS = 5000;

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

class SimLoadWorker implements SimDeviceEvents, LoadWorker {
  private devices: SimDevice[] = [];
  private dataDir: string | undefined;
  private recordTimeBase = 0;
  private photoFactory: PhotoFactory | undefined;
  private connector: SimConnector | undefined;
  private phase: SimPhase | undefined;
  /** Links lost after the device was online, by reason (the SDK reconnects them itself). */
  private readonly closed: Record<string, number> = {};

  async connect(spec: ConnectSpec): Promise<ConnectResult> {
    if (this.devices.length > 0) throw new Error('this worker is already connected');
    this.dataDir = mkdtempSync(join(tmpdir(), `kaoqin-bench-sim-${spec.workerIndex}-`));
    this.recordTimeBase = spec.recordTimeBase;
    for (let i = 0; i < spec.count; i++) this.devices.push(new SimDevice(i, spec, this.dataDir, this));
    this.connector = new SimConnector(spec, this.devices);
    try {
      return await this.connector.run();
    } finally {
      this.connector = undefined;
    }
  }

  async run(spec: PhaseSpec): Promise<PhaseResult> {
    if (!this.dataDir) throw new Error('connect first');
    if (this.phase) throw new Error('a phase is already running');
    this.phase = new SimPhase(spec, this.devices, this.recordTimeBase, () => this.photos());
    try {
      return await this.phase.run();
    } finally {
      this.phase = undefined;
    }
  }

  status(): StatusResult {
    const { sdkHeartbeats: sent, sdkHeartbeatsRefused: refused } = totals(this.devices);
    return {
      open: this.devices.filter((d) => d.online).length,
      closed: { ...this.closed },
      // The SDK's own heartbeats, counted when answered.
      keepalive: { sent, acks: sent - refused, errors: refused > 0 ? { refused } : {} },
    };
  }

  async close(): Promise<null> {
    const started = this.devices.filter((d) => d.started);
    await Promise.race([
      Promise.allSettled(started.map((d) => d.client.stop())),
      new Promise((r) => setTimeout(r, CLOSE_WAIT_MS)),
    ]);
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
    return null;
  }

  onOnline(device: SimDevice): void {
    this.connector?.onOnline(device);
  }

  onOffline(device: SimDevice, reason: string): void {
    // A device still opening is the connector's to count (through onReconnecting).
    if (!this.connector || device.settled) bump(this.closed, reasonCode(reason));
  }

  onReconnecting(device: SimDevice, attempt: number): void {
    this.connector?.onReconnecting(device, attempt);
  }

  onAcked(_device: SimDevice, recordKey: string): void {
    this.phase?.onAcked(recordKey);
  }

  onCode(_device: SimDevice, code: string): void {
    this.phase?.onCode(code);
  }

  private photos(): PhotoFactory {
    this.photoFactory ??= new PhotoFactory();
    return this.photoFactory;
  }
}

serveLoadWorker('loadgen-sim.ts', new SimLoadWorker());
