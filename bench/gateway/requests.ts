/**
 * The frames a benchmark device sends, signed with @kaoqin/protocol's signRequest:
 * C_AUTH, C_HEARTBEAT (one frame per device per second of timeStamp, cached), and
 * C_SIGN_IN with or without a photo. Every sign-in has its own (personId, recordTime),
 * so the platform never sees a duplicate and stores every one.
 */
import {
  encodeAuthRequestFrame,
  encodeDeviceRequestFrame,
  formatTimeStamp,
  signRequest,
} from '@kaoqin/protocol';
import { mixedSignIn } from '../attendance/traffic.js';
import type { Credentials } from './messages.js';
import { PhotoFactory } from './photo.js';

/** timeStamp (yyyyMMddHHmmss, UTC+8), computed once per wall-clock second. */
export class Clock {
  private second = -1;
  private stamp = '';

  now(): string {
    const ms = Date.now();
    const second = Math.floor(ms / 1000);
    if (second !== this.second) {
      this.second = second;
      this.stamp = formatTimeStamp(ms);
    }
    return this.stamp;
  }
}

/** What a device needs to sign its requests. */
export interface DeviceIdentity {
  sn: string;
  /** This device's personId: unique per device and per run. */
  personId: string;
  /** Set by the C_AUTH answer. */
  token: string;
  deviceIp: string;
  /** Sign-ins sent so far: each adds 1 ms to recordTime. */
  seq: number;
  heartbeatStamp: string;
  heartbeatFrame: Uint8Array | undefined;
}

export class RequestFactory {
  private readonly clock = new Clock();
  private photos: PhotoFactory | undefined;

  constructor(
    private readonly creds: Credentials,
    private readonly version: string,
    private readonly recordTimeBase: number,
  ) {}

  auth(device: DeviceIdentity): Uint8Array {
    const timeStamp = this.clock.now();
    const values = {
      version: this.version,
      sn: device.sn,
      apicode: 'C_AUTH',
      accessId: this.creds.accessId,
      accessKey: this.creds.accessKey,
      timeStamp,
    };
    return encodeAuthRequestFrame({
      ...values,
      sign: signRequest('C_AUTH', values, this.creds.accessSecret),
    });
  }

  /** The device's heartbeat for the current second; identical within a second, so it is cached. */
  heartbeat(device: DeviceIdentity): Uint8Array {
    const timeStamp = this.clock.now();
    if (device.heartbeatFrame && device.heartbeatStamp === timeStamp) return device.heartbeatFrame;
    const param = `{"deviceVersion":"kaoqin-bench 1.0","deviceIp":"${device.deviceIp}"}`;
    device.heartbeatFrame = this.device(device, 'C_HEARTBEAT', timeStamp, param, param);
    device.heartbeatStamp = timeStamp;
    return device.heartbeatFrame;
  }

  /**
   * A fresh sign-in. With a photo, img sits mid-object as vendors send it; the signature
   * covers param without img (2.3.2), which is exactly the same text with the member
   * left out, so signRequest is given that text directly (checkPhotoSigning proves it).
   */
  signIn(device: DeviceIdentity, withPhoto: boolean): Uint8Array {
    const timeStamp = this.clock.now();
    const recordTime = this.recordTimeBase + device.seq++;
    const head = `{"personId":"${device.personId}","type":1,`;
    const rest = `"recordTime":${recordTime},"temperature":36.5}`;
    const signed = head + rest;
    if (!withPhoto) return this.device(device, 'C_SIGN_IN', timeStamp, signed, signed);
    const img = this.photo().base64(`${device.personId}.${recordTime}`);
    return this.device(device, 'C_SIGN_IN', timeStamp, `${head}"img":"${img}",${rest}`, signed);
  }

  /** A sign-in of bench/attendance's mix (face, mobile in and out of the fence, QR, health code…). */
  signInMix(device: DeviceIdentity): Uint8Array {
    const timeStamp = this.clock.now();
    const seq = device.seq++;
    const param = mixedSignIn(device.personId, seq, this.recordTimeBase + seq);
    return this.device(device, 'C_SIGN_IN', timeStamp, param, param);
  }

  /** Throws unless signing the photo-less text equals signRequest over the full param. */
  checkPhotoSigning(device: DeviceIdentity): void {
    const timeStamp = this.clock.now();
    const head = `{"personId":"${device.personId}","type":1,`;
    const rest = '"recordTime":1700000000000,"temperature":36.5}';
    const full = `${head}"img":"${this.photo().base64('check')}",${rest}`;
    const values = { version: this.version, sn: device.sn, token: 'check', apicode: 'C_SIGN_IN', timeStamp };
    const a = signRequest('C_SIGN_IN', { ...values, param: full }, this.creds.accessSecret);
    const b = signRequest('C_SIGN_IN', { ...values, param: head + rest }, this.creds.accessSecret);
    if (a !== b) throw new Error('photo sign-in: signature over the stripped text differs from signRequest');
  }

  photoBytes(): number {
    return this.photo().bytes;
  }

  private photo(): PhotoFactory {
    this.photos ??= new PhotoFactory();
    return this.photos;
  }

  private device(
    device: DeviceIdentity,
    apicode: 'C_HEARTBEAT' | 'C_SIGN_IN',
    timeStamp: string,
    param: string,
    signedParam: string,
  ): Uint8Array {
    const values = { version: this.version, sn: device.sn, token: device.token, apicode, timeStamp };
    const sign = signRequest(apicode, { ...values, param: signedParam }, this.creds.accessSecret);
    return encodeDeviceRequestFrame({ ...values, param, sign });
  }
}
