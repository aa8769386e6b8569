/**
 * One benchmark device: a TCP connection, its frame decoder, and the queue of requests
 * awaiting answers. Answers come back in request order (the gateway's contract), so each
 * answer settles the oldest outstanding request. A frame that arrives with nothing
 * outstanding, or a heartbeat-shaped answer while a sign-in is outstanding, is a D3 push.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { decodeAnswerPayload, FrameDecoder } from '@kaoqin/protocol';
import type { DeviceIdentity } from './requests.js';

export type RequestKind = 'auth' | 'phase' | 'keepalive';

export interface Outstanding {
  kind: RequestKind;
  apicode: string;
  /** performance.now() when written. */
  sentAt: number;
  /** performance.now() when it was due (fixed-rate mode), else sentAt. */
  dueAt: number;
  /** The phase that sent it: a late answer never counts in the next phase. */
  owner: object | undefined;
}

export interface Answer {
  request: Outstanding;
  success: boolean;
  /** errorcode of a failed answer ("?" when the error text does not parse). */
  code: string | undefined;
  /** The response text (C_AUTH's carries the token). */
  response: string;
  at: number;
}

export interface DeviceEvents {
  onAnswer(device: Device, answer: Answer): void;
  onPush(device: Device): void;
  onClose(device: Device, reason: string, lost: Outstanding[]): void;
}

function errorCode(text: string): string {
  try {
    const code = (JSON.parse(text) as { errorcode?: unknown }).errorcode;
    return typeof code === 'string' ? code : '?';
  } catch {
    return '?';
  }
}

export class Device {
  readonly identity: DeviceIdentity;
  readonly index: number;
  socket: Socket | undefined;
  authed = false;
  closed = false;
  /** Outstanding requests, oldest first. */
  readonly outstanding: Outstanding[] = [];
  lastSentAt = 0;
  private decoder = new FrameDecoder();
  private closeReason = 'peer closed';

  constructor(
    index: number,
    identity: DeviceIdentity,
    private readonly events: DeviceEvents,
  ) {
    this.index = index;
    this.identity = identity;
  }

  /** Takes over a connected socket (fresh decoder: a new connection starts a new stream). */
  attach(socket: Socket): void {
    this.socket = socket;
    this.closed = false;
    this.authed = false;
    this.decoder = new FrameDecoder();
    this.closeReason = 'peer closed';
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.closeReason = err.code ?? err.message;
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.closed = true;
      const lost = this.outstanding.splice(0);
      this.events.onClose(this, this.closeReason, lost);
    });
  }

  get open(): boolean {
    return this.socket !== undefined && !this.closed;
  }

  send(frame: Uint8Array, kind: RequestKind, apicode: string, dueAt?: number, owner?: object): void {
    const now = performance.now();
    this.outstanding.push({ kind, apicode, sentAt: now, dueAt: dueAt ?? now, owner });
    this.lastSentAt = now;
    this.socket!.write(frame);
  }

  close(reason: string): void {
    this.closeReason = reason;
    this.socket?.destroy();
  }

  private onData(chunk: Buffer): void {
    let frames: Uint8Array[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      this.close(`bad frame from server: ${(e as Error).message}`);
      return;
    }
    const at = performance.now();
    for (const payload of frames) {
      const msg = decodeAnswerPayload(payload);
      const head = this.outstanding[0];
      // D3: a push looks like a heartbeat answer and can arrive at any time.
      if (!head || (msg.apicode === 'C_HEARTBEAT' && head.apicode !== 'C_HEARTBEAT')) {
        this.events.onPush(this);
        continue;
      }
      this.outstanding.shift();
      this.events.onAnswer(this, {
        request: head,
        success: msg.success,
        code: msg.success ? undefined : errorCode(msg.error),
        response: msg.response,
        at,
      });
    }
  }
}
