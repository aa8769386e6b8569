/**
 * One input per error code (1.3, D8, and kaoqin's 490_xx), with the code it must
 * produce. `credential` is what the platform's lookup finds for the token or the
 * accessId/accessKey pair ("throws": the lookup itself fails). Codes that depend on
 * platform state rather than on a request are listed in `stateful` with where they are
 * tested.
 */
import { createHash } from 'node:crypto';
import type { ErrorVector, VectorCredential } from '../../src/index.js';
import { V } from './fixtures.js';

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');
const S = V.accessSecret;


const ok: VectorCredential = { status: 'ok' };

/** A correctly signed TCP device request with the given param and timeStamp. */
function tcp(apicode: string, param: string, timeStamp: string = V.timeStamp): Record<string, string> {
  const sign = md5(V.version + V.sn + V.token + apicode + timeStamp + param + S);
  return { transport: 'tcp', version: V.version, sn: V.sn, token: V.token, apicode, timeStamp, param, sign };
}

function signIn(param: string): Record<string, string> {
  return tcp('C_SIGN_IN', param);
}

const hb = '{"deviceVersion":"1.0","deviceIp":"10.0.0.2"}';
const without = (r: Record<string, string>, key: string) => {
  const copy = { ...r };
  delete copy[key];
  return copy;
};

export function errorVectors(): { cases: ErrorVector[]; stateful: { code: string; where: string }[] } {
  const base = tcp('C_HEARTBEAT', hb);
  const now = V.nowMs;
  const cases: ErrorVector[] = [
    { name: 'unknown apicode', request: { ...base, apicode: 'C_REBOOT' }, credential: ok, nowMs: now, expect: '400_01' },
    {
      name: 'HTTP apicode sent over TCP',
      request: { ...base, apicode: 'T_GET_TASKS' },
      credential: ok,
      nowMs: now,
      expect: '400_01',
    },
    { name: 'param is not JSON', request: tcp('C_HEARTBEAT', '{deviceVersion:"1"}'), credential: ok, nowMs: now, expect: '400_02' },
    { name: 'param is a JSON array', request: tcp('C_HEARTBEAT', '[]'), credential: ok, nowMs: now, expect: '400_02' },
    {
      name: 'C_SIGN_IN without personId (shape error wins over a bad type)',
      request: signIn('{"type":3,"recordTime":"1609744974000"}'),
      credential: ok,
      nowMs: now,
      expect: '400_02',
    },
    {
      name: 'C_SIGN_IN recordTime not a time',
      request: signIn(`{"personId":"${V.personId}","type":1,"recordTime":"yesterday"}`),
      credential: ok,
      nowMs: now,
      expect: '400_02',
    },
    { name: 'wrong sign', request: { ...base, sign: '0'.repeat(32) }, credential: ok, nowMs: now, expect: '400_04' },
    {
      name: 'sign over the param with img kept is not a reading we accept',
      request: (() => {
        const param = `{"personId":"${V.personId}","type":1,"img":"${V.imgBase64}","recordTime":"1609744974000"}`;
        const r = signIn(param);
        return r;
      })(),
      credential: ok,
      nowMs: now,
      expect: '400_04',
    },
    {
      name: 'token issued to another device',
      request: base,
      credential: { status: 'mismatch' },
      nowMs: now,
      expect: '400_04',
    },
    {
      name: 'C_AUTH with unknown credentials',
      request: {
        transport: 'tcp',
        version: V.version,
        sn: V.sn,
        apicode: 'C_AUTH',
        accessId: V.accessId,
        accessKey: V.accessKey,
        timeStamp: V.timeStamp,
        sign: md5(V.version + V.sn + 'C_AUTH' + V.accessId + V.accessKey + V.timeStamp + S),
      },
      credential: { status: 'unknown' },
      nowMs: now,
      expect: '400_04',
    },
    { name: 'timeStamp 301 s old', request: base, credential: ok, nowMs: now + 301_000, expect: '400_05' },
    { name: 'timeStamp 301 s ahead', request: base, credential: ok, nowMs: now - 301_000, expect: '400_05' },
    { name: 'unknown or lapsed token', request: base, credential: { status: 'unknown' }, nowMs: now, expect: '401_01' },
    { name: 'revoked secret', request: base, credential: { status: 'revoked' }, nowMs: now, expect: '401_02' },
    { name: 'version missing', request: without(base, 'version'), credential: ok, nowMs: now, expect: '402_01' },
    { name: 'sn missing', request: { ...base, sn: '' }, credential: ok, nowMs: now, expect: '402_02' },
    { name: 'token missing', request: without(base, 'token'), credential: ok, nowMs: now, expect: '402_03' },
    { name: 'apicode missing', request: without(base, 'apicode'), credential: ok, nowMs: now, expect: '402_04' },
    { name: 'timeStamp missing', request: without(base, 'timeStamp'), credential: ok, nowMs: now, expect: '402_05' },
    { name: 'param missing', request: without(base, 'param'), credential: ok, nowMs: now, expect: '402_06' },
    { name: 'sign missing', request: without(base, 'sign'), credential: ok, nowMs: now, expect: '402_07' },
    {
      name: 'type 3 is a combination, not a type',
      request: signIn(`{"personId":"${V.personId}","type":3,"recordTime":"1609744974000"}`),
      credential: ok,
      nowMs: now,
      expect: '403_01',
    },
    {
      name: 'type 128 does not exist',
      request: signIn(`{"personId":"${V.personId}","type":"128","recordTime":1609744974000}`),
      credential: ok,
      nowMs: now,
      expect: '403_01',
    },
    {
      name: 'bitType with a single bit',
      request: signIn(`{"personId":"${V.personId}","type":1,"bitType":4,"recordTime":"1609744974000"}`),
      credential: ok,
      nowMs: now,
      expect: '403_02',
    },
    {
      name: 'bitType with an unknown bit',
      request: signIn(`{"personId":"${V.personId}","type":1,"bitType":129,"recordTime":"1609744974000"}`),
      credential: ok,
      nowMs: now,
      expect: '403_02',
    },
    {
      name: 'qrCodeInfo.type 3',
      request: signIn(
        `{"personId":"${V.personId}","type":16,"qrCodeInfo":{"type":"3","codeValue":"x"},"recordTime":"1609744974000"}`,
      ),
      credential: ok,
      nowMs: now,
      expect: '403_03',
    },
    {
      name: 'timeStamp not yyyyMMddHHmmss',
      request: tcp('C_HEARTBEAT', hb, '2021-03-28 03:16:08'),
      credential: ok,
      nowMs: now,
      expect: '404_01',
    },
    {
      name: 'timeStamp 31 February',
      request: tcp('C_HEARTBEAT', hb, '20210231031608'),
      credential: ok,
      nowMs: now,
      expect: '404_01',
    },
    { name: 'credential lookup fails', request: base, credential: 'throws', nowMs: now, expect: '500_01' },
    { name: 'device disabled by the operator', request: base, credential: { status: 'disabled' }, nowMs: now, expect: '490_04' },
    {
      name: 'task apicode without taskid',
      request: {
        transport: 'http',
        version: V.version,
        sn: V.sn,
        token: V.token,
        apicode: 'T_CLEAR_DEVICE_PERSON',
        sign: md5(V.version + V.sn + V.token + 'T_CLEAR_DEVICE_PERSON' + S),
      },
      credential: ok,
      nowMs: now,
      expect: '490_06',
    },
  ];
  const stateful = [
    { code: '490_01', where: 'vectors/framing.json (frame length over the maximum)' },
    { code: '490_02', where: 'vectors/framing.json (varint over 5 bytes) and undecodable protobuf in messages tests' },
    { code: '490_03', where: 'platform gateway tests: connection cap reached' },
    { code: '490_05', where: 'platform device-endpoint tests: HTTP body over the limit' },
    { code: '490_07', where: 'platform task tests: a finished or expired task' },
    { code: '490_08', where: 'platform gateway tests: store unavailable, retry later' },
    { code: '490_09', where: 'platform X_ENROL_PERSON tests: a capture device sends a card or photo a rule refuses' },
    { code: '490_10', where: 'platform X_ENROL_PERSON tests: a device not of kind capture, or bound to no site' },
  ];
  return { cases, stateful };
}
