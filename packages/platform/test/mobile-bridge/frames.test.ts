/**
 * POST /api/mobile/v1/frames (docs/protocol.md 12) against a real platform: TCP frames
 * in an HTTP body, through the gateway's own frame processor and ingest.
 */
import { TestDevice } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { FRAMES_PATH, frameBuilder, postFrames } from './client.js';

/** A real 2×2 PNG. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==';
const BODY_LIMIT = 65_536;

let tp: TestPlatform;
beforeAll(async () => {
  tp = await startTestPlatform({ 'max-http-body-bytes': String(BODY_LIMIT) });
});
afterAll(() => tp.stop());

const post = (frames: Uint8Array | readonly Uint8Array[], headers?: Record<string, string>) =>
  postFrames(tp.platform.httpPort, frames, headers);
const rows = (sn: string) => tp.platform.data.store.attendance.list({ sn });

/** A phone that has authenticated through the bridge: its token came back in the C_AUTH answer. */
async function authed(sn: string) {
  const d = frameBuilder(sn, tp.creds, () => tp.clock.now);
  const r = await post(d.authFrame());
  expect(r.status).toBe(200);
  expect(r.answers).toHaveLength(1);
  expect(r.answers[0]).toMatchObject({ success: true, apicode: 'C_AUTH' });
  d.token = (r.answers[0]!.response as { token: string }).token;
  return d;
}

function mobileRecord(personId: string, recordTime: number) {
  return {
    personId,
    type: 64,
    recordTime: String(recordTime),
    coordinate: { longitude: 120.15507, latitude: 30.27415 },
    img: PNG,
  };
}

describe('the bridge carries the gateway', () => {
  it('C_AUTH, then a type-64 C_SIGN_IN with coordinate and img: one row, with its coordinate and photo', async () => {
    const d = await authed('KQM-BRIDGE-1');
    expect(d.token).toMatch(/^[0-9a-f]{32}$/);
    const recordTime = tp.clock.now - 2000;
    const frame = d.requestFrame('C_SIGN_IN', mobileRecord('4508004291609636864', recordTime));
    const r = await post(frame);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.answers).toEqual([expect.objectContaining({ success: true, apicode: 'C_SIGN_IN' })]);

    const stored = await rows('KQM-BRIDGE-1');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      personId: '4508004291609636864',
      type: 64,
      recordTime,
      longitude: 120.15507,
      latitude: 30.27415,
      receivedAt: tp.clock.now,
      latencyMs: 2000,
    });
    const photo = await tp.platform.blobs.get(stored[0]!.photoKey!);
    expect(Buffer.from(photo!).toString('base64')).toBe(PNG);

    // The same bytes again (an answer the phone never saw): success, and no second row.
    const again = await post(frame);
    expect(again.answers).toEqual([expect.objectContaining({ success: true, apicode: 'C_SIGN_IN' })]);
    expect(await rows('KQM-BRIDGE-1')).toHaveLength(1);
  });

  it('answers several frames of one body in order, each on its own', async () => {
    const d = await authed('KQM-BRIDGE-2');
    const t = tp.clock.now;
    const frames = [
      d.requestFrame('C_HEARTBEAT', { deviceVersion: 'pwa-1', deviceIp: '10.0.0.2' }),
      d.requestFrame('C_SIGN_IN', mobileRecord('1001', t - 30)),
      d.requestFrame('C_SIGN_IN', mobileRecord('1002', t - 20), { sign: 'f'.repeat(32) }),
      d.requestFrame('C_SIGN_IN', mobileRecord('1003', t - 10)),
    ];
    const r = await post(frames);
    expect(r.answers.map((a) => [a.apicode, a.success, a.error?.errorcode])).toEqual([
      ['C_HEARTBEAT', true, undefined],
      ['C_SIGN_IN', true, undefined],
      ['C_SIGN_IN', false, '400_04'],
      ['C_SIGN_IN', true, undefined],
    ]);
    expect(r.answers[0]!.response).toEqual({ taskids: [] });
    expect((await rows('KQM-BRIDGE-2')).map((x) => x.personId).sort()).toEqual(['1001', '1003']);
  });

  it("answers with results beside the answers: a stored clock-in's verdict, null for every other frame", async () => {
    const d = await authed('KQM-BRIDGE-R1');
    const t = tp.clock.now;
    const faceRecord = { personId: '3001', type: 1, recordTime: String(t - 40) };
    const frames = [
      d.requestFrame('C_HEARTBEAT', { deviceVersion: 'pwa-1', deviceIp: '10.0.0.3' }),
      // Counted: a face clock-in is real-name (flagged only for the unassigned device).
      d.requestFrame('C_SIGN_IN', faceRecord),
      // Kept and flagged: no face check runs here (faceDetector off), so a mobile record is not real-name.
      d.requestFrame('C_SIGN_IN', mobileRecord('3002', t - 30)),
      // Refused (bad sign): no record, no result.
      d.requestFrame('C_SIGN_IN', mobileRecord('3003', t - 20), { sign: 'f'.repeat(32) }),
    ];
    const r = await post(frames);
    expect(r.answers.map((a) => [a.apicode, a.success])).toEqual([
      ['C_HEARTBEAT', true],
      ['C_SIGN_IN', true],
      ['C_SIGN_IN', true],
      ['C_SIGN_IN', false],
    ]);
    expect(r.results).toHaveLength(4);
    expect(r.results[0]).toBeNull();
    expect(r.results[1]).toEqual({ counted: true, flags: ['device_unassigned'] });
    expect(r.results[2]).toMatchObject({ counted: false });
    expect(r.results[2]!.flags).toContain('face_unverified');
    expect(r.results[3]).toBeNull();
    // Each result is what the store holds.
    const stored = await rows('KQM-BRIDGE-R1');
    for (const [i, personId] of [
      [1, '3001'],
      [2, '3002'],
    ] as const) {
      const row = stored.find((x) => x.personId === personId)!;
      expect(r.results[i]).toEqual({ counted: row.realName, flags: row.flags });
    }

    // A re-send of the same key with other fields (bitType 6 would now flag bit_type_mismatch)
    // is a duplicate: its result is the stored record's verdict, not a new judgement.
    const again = await post(d.requestFrame('C_SIGN_IN', { ...faceRecord, bitType: 6 }));
    expect(again.answers).toEqual([expect.objectContaining({ success: true, apicode: 'C_SIGN_IN' })]);
    expect(again.results).toEqual([{ counted: true, flags: ['device_unassigned'] }]);
    expect(await rows('KQM-BRIDGE-R1')).toHaveLength(2);
  });

  it('gives a C_AUTH and a framing failure a null result', async () => {
    const d = frameBuilder('KQM-BRIDGE-R2', tp.creds, () => tp.clock.now);
    const r = await post([d.authFrame(), Uint8Array.of(0x05, 0x01)]);
    expect(r.answers.map((a) => a.success)).toEqual([true, false]);
    expect(r.results).toEqual([null, null]);
  });

  it('is not behind the management API: no session, no cookie, no CORS answer', async () => {
    const d = frameBuilder('KQM-BRIDGE-3', tp.creds, () => tp.clock.now);
    const r = await post(d.authFrame(), {
      'content-type': 'application/octet-stream',
      origin: 'https://elsewhere.example',
    });
    expect(r.status).toBe(200);
    expect(r.answers[0]!.success).toBe(true);
    expect(r.headers.get('set-cookie')).toBeNull();
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    expect(r.headers.get('cache-control')).toBe('no-store');
    // A cross-origin page must preflight an octet-stream POST; the preflight is granted nothing.
    const pre = await fetch(`http://127.0.0.1:${tp.platform.httpPort}${FRAMES_PATH}`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://elsewhere.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('reads only application/octet-stream: a form or text body is 415, and nothing is handled', async () => {
    const d = await authed('KQM-BRIDGE-4');
    const frame = d.requestFrame('C_SIGN_IN', mobileRecord('2001', tp.clock.now));
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json']) {
      const res = await fetch(`http://127.0.0.1:${tp.platform.httpPort}${FRAMES_PATH}`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: Buffer.from(frame),
      });
      expect(res.status).toBe(415);
    }
    expect(await rows('KQM-BRIDGE-4')).toHaveLength(0);
  });

  it('answers an empty body with no answers', async () => {
    const r = await post(new Uint8Array(0));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ answers: [], results: [] });
  });
});

describe('limits and framing errors', () => {
  it('a body cut inside a frame: 490_02, and the cut record is not written', async () => {
    const d = await authed('KQM-CUT-1');
    const frame = d.requestFrame('C_SIGN_IN', mobileRecord('3001', tp.clock.now));
    const r = await post(frame.subarray(0, frame.byteLength - 10));
    expect(r.status).toBe(200);
    expect(r.answers).toHaveLength(1);
    expect(r.answers[0]).toMatchObject({ success: false, apicode: '' });
    expect(r.answers[0]!.error?.errorcode).toBe('490_02');
    expect(r.answers[0]!.error?.detail).toMatch(/ends inside a frame/);
    expect(await rows('KQM-CUT-1')).toHaveLength(0);
  });

  it('frames before a bad length are answered, then its error; nothing after it is read (D1)', async () => {
    const d = await authed('KQM-CUT-2');
    const t = tp.clock.now;
    const r = await post([
      d.requestFrame('C_SIGN_IN', mobileRecord('3101', t)),
      Buffer.from('ffffffffff01', 'hex'),
      d.requestFrame('C_SIGN_IN', mobileRecord('3102', t)),
    ]);
    expect(r.answers.map((a) => [a.success, a.error?.errorcode])).toEqual([
      [true, undefined],
      [false, '490_02'],
    ]);
    expect((await rows('KQM-CUT-2')).map((x) => x.personId)).toEqual(['3101']);

    const over = await post([
      Buffer.from('ffffffff0f', 'hex'), // declares 4 GiB − 1: over maxFrameBytes
      d.requestFrame('C_SIGN_IN', mobileRecord('3103', t)),
    ]);
    expect(over.answers.map((a) => a.error?.errorcode)).toEqual(['490_01']);
    expect(await rows('KQM-CUT-2')).toHaveLength(1);
  });

  it('an undecodable frame: the frames before it are answered, then 490_02; nothing after it is handled', async () => {
    const d = await authed('KQM-CUT-3');
    const t = tp.clock.now;
    const r = await post([
      d.requestFrame('C_SIGN_IN', mobileRecord('3201', t)),
      Buffer.from('030a0561', 'hex'), // a string field of 5 bytes with 1 present: not a message
      d.requestFrame('C_SIGN_IN', mobileRecord('3202', t)),
    ]);
    expect(r.answers.map((a) => [a.success, a.error?.errorcode])).toEqual([
      [true, undefined],
      [false, '490_02'],
    ]);
    expect((await rows('KQM-CUT-3')).map((x) => x.personId)).toEqual(['3201']);
  });

  it('a body over maxHttpBodyBytes: 490_05, and nothing in it is written', async () => {
    const d = await authed('KQM-BIG-1');
    // Each frame is valid on its own; together they pass the body limit.
    const frames = Array.from({ length: 6 }, (_, i) =>
      d.requestFrame('C_SIGN_IN', {
        ...mobileRecord(`400${i}`, tp.clock.now - i),
        img: Buffer.alloc(9_000, i).toString('base64'),
      }),
    );
    expect(frames.reduce((n, f) => n + f.byteLength, 0)).toBeGreaterThan(BODY_LIMIT);
    const r = await post(frames);
    expect(r.status).toBe(200);
    expect(r.answers.map((a) => [a.success, a.error?.errorcode])).toEqual([[false, '490_05']]);
    expect(await rows('KQM-BIG-1')).toHaveLength(0);
  });

  it('takes 32 frames in one body and refuses 33 whole, with 490_05', async () => {
    const d = await authed('KQM-MANY-1');
    const t = tp.clock.now;
    const batch = (n: number, from: number) =>
      Array.from({ length: n }, (_, i) =>
        d.requestFrame('C_SIGN_IN', { personId: `5${from + i}`, type: 64, recordTime: t - i }),
      );
    const refused = await post(batch(33, 100));
    expect(refused.answers.map((a) => [a.success, a.error?.errorcode])).toEqual([[false, '490_05']]);
    expect(refused.answers[0]!.error?.detail).toMatch(/more than 32 frames/);
    expect(await rows('KQM-MANY-1')).toHaveLength(0);

    const taken = await post(batch(32, 200));
    expect(taken.answers).toHaveLength(32);
    expect(taken.answers.every((a) => a.success && a.apicode === 'C_SIGN_IN')).toBe(true);
    expect(await rows('KQM-MANY-1')).toHaveLength(32);
  });
});

describe('the same frames over TCP and over the bridge', () => {
  it('get the same answers, refusals and successes alike', async () => {
    const d = await authed('KQM-SAME-1');
    const t = tp.clock.now;
    const frames: [string, Uint8Array][] = [
      ['heartbeat', d.requestFrame('C_HEARTBEAT', { deviceVersion: 'pwa-1', deviceIp: '10.0.0.9' })],
      ['bad sign', d.requestFrame('C_SIGN_IN', mobileRecord('6001', t), { sign: '0'.repeat(32) })],
      ['unknown token', d.requestFrame('C_SIGN_IN', mobileRecord('6002', t), { token: 'a'.repeat(32) })],
      [
        'stale timeStamp',
        d.requestFrame('C_SIGN_IN', mobileRecord('6003', t), { timeStamp: '20200101000000' }),
      ],
      ['bad timeStamp', d.requestFrame('C_SIGN_IN', mobileRecord('6004', t), { timeStamp: '2020-01-01' })],
      ['bad type', d.requestFrame('C_SIGN_IN', { ...mobileRecord('6005', t), type: 3 })],
      ['bad param', d.requestFrame('C_SIGN_IN', '{"personId":')],
      ['HTTP apicode', d.requestFrame('T_GET_TASKS', { taskids: ['1'] })],
      ['no version', d.requestFrame('C_HEARTBEAT', { deviceVersion: '1', deviceIp: '1' }, { version: '' })],
      ['not a message', Buffer.from('030a0561', 'hex')],
    ];
    const tcp = await TestDevice.tcp(tp.platform.tcpPort, 'KQM-SAME-1', tp.creds, () => tp.clock.now);
    try {
      for (const [name, frame] of frames) {
        tcp.send(frame);
        const overTcp = await tcp.next();
        const overBridge = await post(frame);
        expect(overBridge.answers, name).toHaveLength(1);
        expect(overBridge.answers[0]!.raw, name).toEqual(overTcp.raw);
        if (name !== 'heartbeat') expect(overTcp.success, name).toBe(false);
      }
    } finally {
      tcp.close();
    }
    // Only the good frames were stored, once: none of the refused sign-ins.
    expect(await rows('KQM-SAME-1')).toHaveLength(0);
  });
});
