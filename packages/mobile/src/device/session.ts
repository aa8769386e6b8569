/**
 * The phone as a standard device: C_AUTH through the bridge (alone in its body: a
 * C_AUTH replaces the token, so a sign-in beside it could be answered 401_01, §12.4),
 * the token kept until the platform says it lapsed, C_HEARTBEAT while the page is open.
 */
import {
  type DeviceRequestApicode,
  errorByCode,
  formatTimeStamp,
  signedAuthFrame,
  signedDeviceRequestFrame,
} from '@kaoqin/protocol/wire';
import { db, type Registration } from '../store/db';
import { postFrames } from './bridge';
import { platformNowSync } from './clock';

export const PROTOCOL_VERSION = 'v1.0.0';
export const PAGE_VERSION = 'kaoqin-m/0.1.0';
const TOKEN_KEY = 'token';

export class DeviceRefused extends Error {
  override name = 'DeviceRefused';
  constructor(
    readonly errorcode: string,
    readonly errormsg: string,
  ) {
    super(`${errorcode} ${errormsg}`);
  }
}

export class Session {
  private token: string | undefined;
  /** One C_AUTH at a time: a second would replace the first's token under its user. */
  private authing: Promise<string> | undefined;

  constructor(readonly reg: Registration) {}

  static async open(reg: Registration): Promise<Session> {
    const s = new Session(reg);
    const t = await (await db()).get('kv', TOKEN_KEY);
    if (typeof t === 'string') s.token = t;
    return s;
  }

  private timeStamp(): string {
    return formatTimeStamp(platformNowSync());
  }

  /** C_AUTH (joined when one is already on its way); throws DeviceRefused (e.g. 490_04) or NetworkError. */
  authenticate(): Promise<string> {
    this.authing ??= this.auth().finally(() => {
      this.authing = undefined;
    });
    return this.authing;
  }

  private async auth(): Promise<string> {
    const { sn, accessId, accessKey, accessSecret } = this.reg;
    const frame = signedAuthFrame(
      { version: PROTOCOL_VERSION, sn, accessId, accessKey, timeStamp: this.timeStamp() },
      accessSecret,
    );
    const { answers } = await postFrames([frame]);
    const a = answers[0];
    if (!a?.success || !a.response)
      throw new DeviceRefused(a?.error?.errorcode ?? '', a?.error?.errormsg ?? 'no answer');
    const { token } = JSON.parse(a.response) as { token: string };
    this.token = token;
    await (await db()).put('kv', token, TOKEN_KEY);
    return token;
  }

  async ensureToken(): Promise<string> {
    return this.token ?? this.authenticate();
  }

  /**
   * Forgets `failed`, the token a refused request carried, unless a newer one already
   * replaced it (the heartbeat and the drainer may both see the same lapse, and tabs
   * share the stored token).
   */
  async dropToken(failed: string): Promise<void> {
    if (this.token !== failed) return;
    // Another tab of the page may have authenticated since: its token is this device's too.
    const stored = await (await db()).get('kv', TOKEN_KEY);
    if (typeof stored === 'string' && stored !== failed) {
      this.token = stored;
      return;
    }
    this.token = undefined;
    await (await db()).delete('kv', TOKEN_KEY);
  }

  /** A signed DeviceRequest frame carrying `token` (from ensureToken). */
  frame(apicode: DeviceRequestApicode, param: object, token: string): Uint8Array {
    return signedDeviceRequestFrame(
      apicode,
      {
        version: PROTOCOL_VERSION,
        sn: this.reg.sn,
        token,
        timeStamp: this.timeStamp(),
        param: JSON.stringify(param),
      },
      this.reg.accessSecret,
      { paramIsJson: true },
    );
  }

  /** One C_HEARTBEAT; re-authenticates once when the token lapsed. */
  async heartbeat(): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const token = await this.ensureToken();
      const { answers } = await postFrames([
        this.frame('C_HEARTBEAT', { deviceVersion: PAGE_VERSION, deviceIp: '' }, token),
      ]);
      const a = answers[0];
      if (a?.success) return;
      const code = a?.error?.errorcode ?? '';
      // A lapsed token or rotated credentials (re_authenticate): a fresh C_AUTH, once.
      if (errorByCode(code)?.behaviour === 're_authenticate') {
        await this.dropToken(token);
        continue;
      }
      throw new DeviceRefused(code, a?.error?.errormsg ?? 'no answer');
    }
  }
}
