/**
 * The load worker, a child process of the harness (one process holds at most ~19,500
 * sockets under a 20,000 open-file limit, so the harness starts several). It answers
 * the harness's IPC requests: connect (open and authenticate its devices), run (one
 * measured phase), status, close. It exits when the harness goes away.
 *
 * It keeps idle devices alive as real ones do: a heartbeat on a connection silent for
 * keepaliveMs (D10's 20 s), counted apart from the phases. These are paced at the rate
 * the devices would produce on their own (devices / keepaliveMs): when a phase leaves
 * thousands idle at once, their heartbeats are spread out, not sent in one burst.
 */
import { performance } from 'node:perf_hooks';
import { Connector } from './connector.js';
import { type Answer, Device, type DeviceEvents, type Outstanding } from './device.js';
import type { ConnectResult, ConnectSpec, PhaseResult, PhaseSpec, StatusResult } from './messages.js';
import { Phase } from './phase.js';
import { RequestFactory } from './requests.js';
import { type LoadWorker, serveLoadWorker } from './worker-main.js';

const KEEPALIVE_SCAN_MS = 100;
const CLOSE_WAIT_MS = 3000;

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

class LeanLoadWorker implements DeviceEvents, LoadWorker {
  private devices: Device[] = [];
  private factory: RequestFactory | undefined;
  private connector: Connector | undefined;
  private phase: Phase | undefined;
  private readonly closed: Record<string, number> = {};
  private readonly keepalive = { sent: 0, acks: 0, errors: {} as Record<string, number> };
  private keepaliveTimer: NodeJS.Timeout | undefined;

  async connect(spec: ConnectSpec): Promise<ConnectResult> {
    if (this.devices.length > 0) throw new Error('this worker is already connected');
    const factory = new RequestFactory(spec.credentials, spec.version, spec.recordTimeBase);
    this.factory = factory;
    const w = String(spec.workerIndex).padStart(2, '0');
    for (let i = 0; i < spec.count; i++) {
      this.devices.push(
        new Device(
          i,
          {
            sn: `bench-${spec.workerIndex}-${i}`,
            personId: `9${spec.runNonce}${w}${String(i).padStart(5, '0')}`,
            token: '',
            deviceIp: `10.${spec.workerIndex & 255}.${(i >> 8) & 255}.${i & 255}`,
            seq: 0,
            heartbeatStamp: '',
            heartbeatFrame: undefined,
          },
          this,
        ),
      );
    }
    if (this.devices[0]) factory.checkPhotoSigning(this.devices[0].identity);
    // Heartbeats from the first authenticated device on, as real devices do: opening
    // 100,000 devices takes longer than the platform's idle timeout (90 s), and a device
    // authenticated early must not be closed for silence while the rest open.
    if (spec.keepaliveMs > 0) this.startKeepalive(spec.keepaliveMs);
    this.connector = new Connector(spec, this.devices, factory);
    const result = await this.connector.run();
    this.connector = undefined;
    return result;
  }

  async run(spec: PhaseSpec): Promise<PhaseResult> {
    if (!this.factory) throw new Error('connect first');
    if (this.phase) throw new Error('a phase is already running');
    this.phase = new Phase(spec, this.devices, this.factory, () => this.keepalive.sent);
    try {
      return await this.phase.run();
    } finally {
      this.phase = undefined;
    }
  }

  status(): StatusResult {
    return {
      open: this.devices.filter((d) => d.open && d.authed).length,
      closed: { ...this.closed },
      keepalive: { ...this.keepalive, errors: { ...this.keepalive.errors } },
    };
  }

  async close(): Promise<null> {
    clearInterval(this.keepaliveTimer);
    const open = this.devices.filter((d) => d.open);
    const all = Promise.all(
      open.map((d) => new Promise<void>((r) => (d.closed ? r() : d.socket!.once('close', () => r())))),
    );
    for (const d of open) d.close('closed by harness');
    await Promise.race([all, new Promise((r) => setTimeout(r, CLOSE_WAIT_MS))]);
    return null;
  }

  onAnswer(device: Device, answer: Answer): void {
    switch (answer.request.kind) {
      case 'auth':
        this.connector?.onAuthAnswer(device, answer);
        break;
      case 'phase':
        // An answer that came after its phase's drain belongs to no phase.
        if (this.phase && answer.request.owner === this.phase) this.phase.onAnswer(device, answer);
        break;
      case 'keepalive':
        if (answer.success) this.keepalive.acks++;
        else bump(this.keepalive.errors, answer.code ?? '?');
        break;
    }
  }

  onPush(): void {
    this.phase?.onPush();
  }

  onClose(device: Device, reason: string, lost: Outstanding[]): void {
    if (!device.authed) {
      this.connector?.onClosedBeforeAuth(device, reason);
      return;
    }
    bump(this.closed, reason);
    this.phase?.onLost(lost);
  }

  private startKeepalive(idleMs: number): void {
    // A quarter more than the even share: a scan that fires late (the machine is busy)
    // catches up instead of stretching every device's interval. Only due devices send.
    const perScan = Math.max(1, Math.ceil((1.25 * this.devices.length * KEEPALIVE_SCAN_MS) / idleMs));
    let next = 0; // round-robin, so no device waits behind others
    this.keepaliveTimer = setInterval(() => {
      const factory = this.factory!;
      const now = performance.now();
      let sent = 0;
      for (let probe = 0; probe < this.devices.length && sent < perScan; probe++) {
        const d = this.devices[next]!;
        next = (next + 1) % this.devices.length;
        if (d.open && d.authed && d.outstanding.length === 0 && now - d.lastSentAt >= idleMs) {
          d.send(factory.heartbeat(d.identity), 'keepalive', 'C_HEARTBEAT');
          this.keepalive.sent++;
          sent++;
        }
      }
    }, KEEPALIVE_SCAN_MS);
  }
}

serveLoadWorker('loadgen.ts', new LeanLoadWorker());
