/**
 * Findings of the conformance kit's fuzz pass, kept as regressions:
 * - a param nested thousands of levels deep overflowed the stack while the signature was
 *   read, and was answered 500_01 (an internal error) instead of the standard's code;
 * - a sign-in of 4 KB or more whose param is not JSON was answered 400_04 by the photo
 *   path where the same record under 4 KB gets 400_02 (the photo path checked the sign
 *   over the text with img cut out, though text that is not JSON is signed as sent);
 * - a deep first img followed by a shallow second one passed the depth check, which ran
 *   on JSON.parse's value (it keeps the last of equal keys), and overflowed the stack
 *   while the image was stripped: 500_01 (found by the parser fuzz script).
 */
import { TestDevice } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

describe('requests the fuzz pass found', () => {
  let tp: TestPlatform;
  let d: TestDevice;
  beforeAll(async () => {
    tp = await startTestPlatform();
    d = await TestDevice.tcp(tp.platform.tcpPort, 'DEEP-1', tp.creds, () => tp.clock.now);
    expect((await d.auth()).success).toBe(true);
  });
  afterAll(async () => {
    d?.close();
    await tp?.stop();
  });

  const code = async (apicode: string, param: string, over: Record<string, string> = {}) => {
    d.send(d.requestFrame(apicode, param, over));
    return (await d.next()).error?.errorcode;
  };

  it('a deep param with a wrong sign is 400_04, signed as sent 400_02; never 500_01', async () => {
    const heartbeat = `{"deviceVersion":"x","deviceIp":"y","z":${deep(5000)}}`;
    expect(await code('C_HEARTBEAT', heartbeat, { sign: '0'.repeat(32) })).toBe('400_04');
    expect(await code('C_HEARTBEAT', heartbeat)).toBe('400_02');
    const signIn = `{"personId":"p","type":1,"recordTime":${tp.clock.now},"img":${deep(10_000)}}`;
    expect(await code('C_SIGN_IN', signIn, { sign: '0'.repeat(32) })).toBe('400_04');
    expect(await code('C_SIGN_IN', signIn)).toBe('400_02');
  });

  it('a deep img hidden behind a second, shallow img is still too deep: 400_04 or 400_02, never 500_01', async () => {
    const twice = (n: number) =>
      `{"personId":"p","type":1,"img":${deep(n)},"recordTime":${tp.clock.now},"img":"aGVsbG8="}`;
    for (const n of [5000, 20_000]) {
      expect(await code('C_SIGN_IN', twice(n), { sign: '0'.repeat(32) })).toBe('400_04');
      expect(await code('C_SIGN_IN', twice(n))).toBe('400_02');
    }
  });

  it('an HTTP body whose param is given twice, the first deep, is 400_02', async () => {
    const res = await fetch(`http://127.0.0.1:${tp.platform.httpPort}/api/device`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"version":"v1.0.0","sn":"DEEP-1","apicode":"T_GET_TASKS","param":${deep(20_000)},"param":"{}","sign":"x"}`,
    });
    const body = (await res.json()) as { success: boolean; error: { errorcode: string } };
    expect(body.error.errorcode).toBe('400_02');
  });

  it('an HTTP body nested too deep is 400_02', async () => {
    const res = await fetch(`http://127.0.0.1:${tp.platform.httpPort}/api/device`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"version":"v1.0.0","sn":"DEEP-1","apicode":"T_GET_TASKS","param":${deep(5000)},"sign":"x"}`,
    });
    const body = (await res.json()) as { success: boolean; error: { errorcode: string } };
    expect(body.success).toBe(false);
    expect(body.error.errorcode).toBe('400_02');
  });

  it('a sign-in whose param is not JSON gets the same code at 300 bytes and at 5 KB', async () => {
    const param = (img: string) =>
      `{"personId":"p","type":1,"recordTime":${tp.clock.now},"temperature":NaN,"img":"${img}"}`;
    const small = param('aGVsbG8=');
    const large = param(Buffer.alloc(4000, 7).toString('base64'));
    expect(d.requestFrame('C_SIGN_IN', large).byteLength).toBeGreaterThan(4096); // the photo path's size
    expect(await code('C_SIGN_IN', small)).toBe('400_02');
    expect(await code('C_SIGN_IN', large)).toBe('400_02');
  });
});
