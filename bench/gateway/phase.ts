/**
 * One measured phase on one lean worker (phase-core.ts has the window, the schedule and
 * the counting): requests are pre-signed frames written on the worker's raw sockets, and
 * answers come back in order per connection (device.ts).
 */
import type { Answer, Device, Outstanding } from './device.js';
import type { PhaseSpec } from './messages.js';
import { PhaseCore, type PhaseExtras } from './phase-core.js';
import type { RequestFactory } from './requests.js';

export class Phase extends PhaseCore<Device> {
  private lost = 0;
  private pushes = 0;
  private readonly apicode: 'C_HEARTBEAT' | 'C_SIGN_IN';

  constructor(
    spec: PhaseSpec,
    devices: readonly Device[],
    private readonly factory: RequestFactory,
    keepalivesSent: () => number,
  ) {
    super(spec, devices.filter((d) => d.open && d.authed).slice(0, spec.connections), keepalivesSent);
    this.apicode = spec.workload === 'heartbeat' ? 'C_HEARTBEAT' : 'C_SIGN_IN';
  }

  onAnswer(device: Device, answer: Answer): void {
    this.answered(device, answer.at, {
      success: answer.success,
      code: answer.code ?? '?',
      sentAt: answer.request.sentAt,
      dueAt: answer.request.dueAt,
      resend: device.open,
    });
  }

  onPush(): void {
    this.pushes++;
  }

  onLost(lost: readonly Outstanding[]): void {
    const n = lost.filter((o) => o.owner === this).length;
    this.lost += n;
    this.forget(n);
  }

  protected send(device: Device, dueAt: number | undefined): void {
    const w = this.spec.workload;
    const frame =
      w === 'heartbeat'
        ? this.factory.heartbeat(device.identity)
        : w === 'sign-in-mix'
          ? this.factory.signInMix(device.identity)
          : this.factory.signIn(device.identity, w === 'sign-in-photo');
    device.send(frame, 'phase', this.apicode, dueAt, this);
  }

  protected hasRoom(device: Device): boolean {
    return device.open && device.outstanding.length < this.spec.inflight;
  }

  protected extras(): PhaseExtras {
    return { unanswered: this.outstanding + this.lost, pushes: this.pushes };
  }
}
