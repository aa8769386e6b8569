/**
 * X_ENROL_PERSON, kaoqin's extension (docs/protocol.md 4.13), in a file of its own
 * (vectors/capture.json): the standard's vectors stay one per standard apicode, and a
 * checker that knows only the standard reads them unchanged. The signed texts are spelled
 * out by hand, as in signatures.ts, so the library is checked against this reading.
 */
import { createHash } from 'node:crypto';
import type { AnswerVector, RequestVector } from '../../src/index.js';
import { V } from './fixtures.js';

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');
const S = V.accessSecret;
const APICODE = 'X_ENROL_PERSON';
const IMG = V.imgBase64;

function request(name: string, param: string, signedParam: string, form: 'text' | 'object'): RequestVector {
  // version sn token apicode param-without-images accessSecret
  const signedText = V.version + V.sn + V.token + APICODE + signedParam + S;
  const sign = md5(signedText);
  const paramMember = form === 'object' ? param : JSON.stringify(param);
  return {
    name,
    apicode: APICODE,
    transport: 'http',
    request: { version: V.version, sn: V.sn, token: V.token, apicode: APICODE, param, paramForm: form, sign },
    body: `{"version":"${V.version}","sn":"${V.sn}","token":"${V.token}","apicode":"${APICODE}","param":${paramMember},"sign":"${sign}"}`,
    signedText,
    sign,
    variant: 'exact',
  };
}

function answer(name: string, success: boolean, response: string, error?: string): AnswerVector {
  const signedText = `${V.version}${success}${response}${S}`;
  const sign = md5(signedText);
  const errorPart = error === undefined ? '' : `,"error":${error}`;
  return {
    name,
    apicode: APICODE,
    transport: 'http',
    body: `{"version":"${V.version}","success":${success},"response":${response}${errorPart},"sign":"${sign}"}`,
    fields: { version: V.version, success, response },
    signedText,
    sign,
  };
}

export function captureVectors(): { requests: RequestVector[]; answers: AnswerVector[] } {
  const card = '"name":"张三","idNumber":"11010519491231002X","gender":"女","ethnicity":"汉","validFrom":"20200101","validTo":"长期"';
  const full = `{${card},"cardPhoto":{"img":"${IMG}"},"face":{"img":"${IMG}"},"iris":[{"eye":"left","img":"${IMG}"}]}`;
  const fullSigned = `{${card},"cardPhoto":{},"face":{},"iris":[{"eye":"left"}]}`;
  const faceOnly = `{${card},"face":{"img":"${IMG}"}}`;
  const faceOnlySigned = `{${card},"face":{}}`;
  const refusal =
    '{"failures":[{"code":"id_number_check_digit","ok":false,"field":"idNumber","value":"check character 5","message":"check character 5, GB 11643 calls for X: a character was mistyped"}]}';
  return {
    requests: [
      request('X_ENROL_PERSON: every img left out (card photo, face, iris), param as a string', full, fullSigned, 'text'),
      request('X_ENROL_PERSON: face only, param as an object', faceOnly, faceOnlySigned, 'object'),
    ],
    answers: [
      answer(
        'X_ENROL_PERSON enrolled',
        true,
        `{"personId":"${V.personId}","identity":"new","assignment":"new","irisStored":1}`,
      ),
      answer(
        'X_ENROL_PERSON refused (490_09): the response lists every failed rule, signed',
        false,
        refusal,
        '{"errorcode":"490_09","errormsg":"人员信息未通过登记校验","detail":"idNumber: id_number_check_digit"}',
      ),
    ],
  };
}
