/**
 * A simulated device's TCP link: C_AUTH, then a C_HEARTBEAT every heartbeatMs (20 s by
 * default). Every C_HEARTBEAT-shaped frame (a heartbeat's answer, or a push, D3) offers
 * task ids, which go to onOffer; the device queues the new ones.
 */
import { connect, type Socket } from 'node:net';
import {
  decodeAnswerPayload,
  encodeAuthRequestFrame,
  encodeDeviceRequestFrame,
  FrameDecoder,
  formatTimeStamp,
  signRequest,
} from '@kaoqin/protocol';
import { type Credentials, epochNow } from './messages.js';

export interface LinkOptions {
  host: string;
  tcpPort: number;
  sn: string;
  creds: Credentials;
  version: string;
  heartbeatMs: number;
}

const AUTH_TIMEOUT_MS = 10_000;

export class DeviceLink {
  /** The token C_AUTH answered with; the device's HTTP calls carry it too. */
  token = '';
  pushes = 0;
  /** When frames offering task ids arrived (epochNow); the first 10,000 kept. */
  readonly offerTimes: number[] = [];
  heartbeats = 0;
  private socket: Socket | undefined;
  private readonly decoder = new FrameDecoder();
  private timer: NodeJS.Timeout | undefined;
  private authWaiter: ((m: { success: boolean; response: string; error: string }) => void) | undefined;
  private closed = false;

  constructor(
    readonly index: number,
    readonly o: LinkOptions,
    /** The device's failures, where TCP errors and bad frames are noted. */
    private readonly failures: string[],
    /** Called with the task ids of every C_HEARTBEAT-shaped frame (maybe none). */
    private readonly onOffer: (ids: readonly string[]) => void,
  ) {}

  /** Connects, authenticates, and starts the heartbeat; returns the token. */
  async connect(): Promise<string> {
    const socket = connect({ host: this.o.host, port: this.o.tcpPort, noDelay: true });
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.on('error', (e) => {
      if (!this.closed) this.failures.push(`tcp: ${e.message}`);
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const answer = new Promise<{ success: boolean; response: string; error: string }>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${this.o.sn}: no C_AUTH answer`)), AUTH_TIMEOUT_MS);
      this.authWaiter = (m) => {
        clearTimeout(t);
        resolve(m);
      };
    });
    const values = {
      version: this.o.version,
      sn: this.o.sn,
      apicode: 'C_AUTH',
      accessId: this.o.creds.accessId,
      accessKey: this.o.creds.accessKey,
      timeStamp: formatTimeStamp(Date.now()),
    };
    socket.write(
      encodeAuthRequestFrame({ ...values, sign: signRequest('C_AUTH', values, this.o.creds.accessSecret) }),
    );
    const a = await answer;
    if (!a.success) throw new Error(`${this.o.sn}: C_AUTH refused: ${a.error}`);
    this.token = (JSON.parse(a.response) as { token: string }).token;
    if (this.o.heartbeatMs > 0) this.timer = setInterval(() => this.heartbeat(), this.o.heartbeatMs);
    return this.token;
  }

  heartbeat(): void {
    if (!this.socket || this.closed) return;
    const param = `{"deviceVersion":"kaoqin-bench 1.0","deviceIp":"10.0.${this.index >> 8}.${this.index & 255}"}`;
    const values = {
      version: this.o.version,
      sn: this.o.sn,
      token: this.token,
      apicode: 'C_HEARTBEAT',
      timeStamp: formatTimeStamp(Date.now()),
      param,
    };
    this.heartbeats++;
    this.socket.write(
      encodeDeviceRequestFrame({
        ...values,
        sign: signRequest('C_HEARTBEAT', values, this.o.creds.accessSecret),
      }),
    );
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.socket?.destroy();
  }

  private onData(chunk: Buffer): void {
    let frames: Uint8Array[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      this.failures.push(`bad frame: ${(e as Error).message}`);
      this.socket?.destroy();
      return;
    }
    for (const payload of frames) {
      const m = decodeAnswerPayload(payload);
      if (m.apicode === 'C_AUTH') {
        this.authWaiter?.(m);
        this.authWaiter = undefined;
        continue;
      }
      if (m.apicode !== 'C_HEARTBEAT' || !m.success || !m.response) continue;
      const ids = (JSON.parse(m.response) as { taskids?: string[] }).taskids ?? [];
      if (ids.length) {
        this.pushes++;
        if (this.offerTimes.length < 10_000) this.offerTimes.push(epochNow());
      }
      this.onOffer(ids);
    }
  }
}
