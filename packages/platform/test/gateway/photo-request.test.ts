/**
 * Photo sign-ins read from the frame's bytes (gateway/photo-request.ts): the same answers,
 * rows and photos as the text path, over real TCP; and the frames it leaves to the text
 * path still get the text path's answers (bad base64 flagged, not refused; bad param 400_02).
 */
import { PassThrough } from 'node:stream';
import {
  decodeRequestPayload,
  FrameDecoder,
  formatTimeStamp,
  signRequest,
  stripImageMembers,
} from '@kaoqin/protocol';
import { TestDevice } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBase64Photo } from '../../src/blobs/photo.js';
import { PHOTO_PATH_MIN_BYTES, readPhotoSignIn } from '../../src/gateway/photo-request.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

let tp: TestPlatform;
beforeAll(async () => {
  tp = await startTestPlatform();
});
afterAll(() => tp.stop());

const device = (sn: string) => TestDevice.tcp(tp.platform.tcpPort, sn, tp.creds, () => tp.clock.now);
/** A device that only builds frames. */
const offline = () => new TestDevice(new PassThrough(), 'SN-X', tp.creds, () => tp.clock.now);
const payloadOf = (frame: Uint8Array): Uint8Array => new FrameDecoder().push(frame)[0]!;

/** A PNG as checkPhotoBytes reads one (signature and IHDR), padded to ~50 KB, so the frame takes the byte path. */
function bigPng(seed: number): Buffer {
  const head = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91Jpz', 'base64');
  const body = Buffer.alloc(50_000);
  for (let i = 0; i < body.length; i++) body[i] = (i * 31 + seed) & 0xff;
  return Buffer.concat([head, body]);
}

describe('readPhotoSignIn', () => {
  it('reads a photo sign-in as the text path would: D4 text, decoded photo', () => {
    const png = bigPng(1);
    const param = JSON.stringify({ personId: '7', type: 1, img: png.toString('base64'), recordTime: 1 });
    const d = offline();
    const payload = payloadOf(d.requestFrame('C_SIGN_IN', param));
    expect(payload.byteLength).toBeGreaterThan(PHOTO_PATH_MIN_BYTES);
    const got = readPhotoSignIn(payload)!;
    const want = decodeRequestPayload(payload);
    expect(got.req).toEqual({ ...want, param: stripImageMembers(want.param!) });
    expect(Buffer.from(got.photo!).equals(png)).toBe(true);
    expect(Buffer.from(decodeBase64Photo(png.toString('base64'))!).equals(png)).toBe(true);
  });

  it('leaves small frames, other apicodes and unsure photos to the text path', () => {
    const d = offline();
    const small = JSON.stringify({ personId: '7', type: 1, img: 'AAAA', recordTime: 1 });
    expect(readPhotoSignIn(payloadOf(d.requestFrame('C_SIGN_IN', small)))).toBeUndefined();
    const pad = 'x'.repeat(PHOTO_PATH_MIN_BYTES);
    const heartbeat = JSON.stringify({ deviceVersion: pad, deviceIp: '1' });
    expect(readPhotoSignIn(payloadOf(d.requestFrame('C_HEARTBEAT', heartbeat)))).toBeUndefined();
    const bad = JSON.stringify({ personId: '7', type: 1, img: `@@${pad}`, recordTime: 1 });
    expect(readPhotoSignIn(payloadOf(d.requestFrame('C_SIGN_IN', bad)))).toBeUndefined();
    const escaped = JSON.stringify({ personId: '7', type: 1, img: bigPng(2).toString('base64') }).replaceAll(
      '/',
      '\\/',
    );
    expect(readPhotoSignIn(payloadOf(d.requestFrame('C_SIGN_IN', escaped)))).toBeUndefined();
  });
});

describe('photo sign-ins over TCP, byte path and text path', () => {
  it('stores the photo and the row, and acks a re-send without a second row', async () => {
    const d = await device('SN-PHOTO-1');
    await d.auth();
    const png = bigPng(3);
    const param = { personId: '11', type: 1, img: png.toString('base64'), recordTime: tp.clock.now - 1000 };
    expect((await d.signIn(param)).success).toBe(true);
    expect((await d.signIn(param)).success).toBe(true);
    const rows = await tp.platform.data.store.attendance.list({ sn: 'SN-PHOTO-1' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ personId: '11', type: 1, latencyMs: 1000 });
    expect(rows[0]!.flags.filter((f) => f.startsWith('photo'))).toEqual([]);
    expect(Buffer.from((await tp.platform.blobs.get(rows[0]!.photoKey!))!).equals(png)).toBe(true);
    d.close();
  });

  it('keeps every photo whole when photo frames and heartbeats share and split socket reads', async () => {
    // The gateway frees a read once it is copied whole into a frame, and a frame once read
    // (release-bytes.ts): a read that also holds a heartbeat must stay, and so must the photos.
    const d = await device('SN-PHOTO-MIX');
    await d.auth();
    const pngs = [bigPng(6), bigPng(7), bigPng(8)];
    const photo = (n: number) =>
      d.requestFrame(
        'C_SIGN_IN',
        JSON.stringify({
          personId: `2${n}`,
          type: 1,
          img: pngs[n]!.toString('base64'),
          recordTime: tp.clock.now + n,
        }),
      );
    const hb = d.requestFrame('C_HEARTBEAT', { deviceVersion: '1', deviceIp: '1' });
    const stream = Buffer.concat([photo(0), hb, photo(1), hb, hb, photo(2), hb]);
    const cuts = [70_100, 70_300, 140_000, 150_001, stream.length];
    let at = 0;
    for (const cut of cuts) {
      d.send(stream.subarray(at, cut));
      at = cut;
      await new Promise((r) => setTimeout(r, 20));
    }
    for (let i = 0; i < 7; i++) expect((await d.next()).success).toBe(true);
    const rows = await tp.platform.data.store.attendance.list({ sn: 'SN-PHOTO-MIX' });
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      const n = Number(row.personId) - 20;
      expect(Buffer.from((await tp.platform.blobs.get(row.photoKey!))!).equals(pngs[n]!)).toBe(true);
    }
    d.close();
  });

  it('answers the compact signature variant (D4) and refuses a wrong signature (400_04)', async () => {
    const d = await device('SN-PHOTO-2');
    await d.auth();
    const param = { personId: '12', type: 1, img: bigPng(4).toString('base64'), recordTime: tp.clock.now };
    const pretty = JSON.stringify(param, null, 2);
    const values = {
      version: 'v1.0.0',
      sn: 'SN-PHOTO-2',
      token: d.token,
      apicode: 'C_SIGN_IN',
      timeStamp: formatTimeStamp(tp.clock.now),
    };
    const compactSign = signRequest(
      'C_SIGN_IN',
      { ...values, param: JSON.stringify(param) },
      tp.creds.accessSecret,
    );
    d.send(d.requestFrame('C_SIGN_IN', pretty, { sign: compactSign }));
    expect((await d.next()).success).toBe(true);
    d.send(d.requestFrame('C_SIGN_IN', pretty, { sign: '0'.repeat(32) }));
    expect((await d.next()).error?.errorcode).toBe('400_04');
    d.close();
  });

  it('flags bad base64 and refuses a bad param exactly as the text path does', async () => {
    const d = await device('SN-PHOTO-3');
    await d.auth();
    const pad = 'A'.repeat(PHOTO_PATH_MIN_BYTES);
    const base = { personId: '13', type: 1, recordTime: tp.clock.now };
    // Not base64: kept, flagged, no photo (D9).
    expect((await d.signIn({ ...base, img: `${pad}@@` })).success).toBe(true);
    // An escaped slash (org.json writes these): the text path reads it.
    const png = bigPng(5);
    const escaped = JSON.stringify({ ...base, recordTime: base.recordTime + 1, img: png.toString('base64') });
    d.send(d.requestFrame('C_SIGN_IN', escaped.replaceAll('/', '\\/')));
    expect((await d.next()).success).toBe(true);
    // img not a string, with a large param: 400_02 as ever.
    const answer = await d.signIn({ ...base, recordTime: base.recordTime + 2, img: [pad] });
    expect(answer.error?.errorcode).toBe('400_02');
    const rows = await tp.platform.data.store.attendance.list({ sn: 'SN-PHOTO-3' });
    const byTime = new Map(rows.map((r) => [r.recordTime, r]));
    expect(byTime.get(base.recordTime)).toMatchObject({ photoKey: null });
    expect(byTime.get(base.recordTime)!.flags).toContain('photo_bad_base64');
    const stored = await tp.platform.blobs.get(byTime.get(base.recordTime + 1)!.photoKey!);
    expect(Buffer.from(stored!).equals(png)).toBe(true);
    expect(rows).toHaveLength(2);
    d.close();
  });
});
