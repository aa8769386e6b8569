/**
 * Signed requests and answers for every apicode (D4, D5). The signed text of each is
 * spelled out here by hand from the standard's tables, not taken from the library's
 * formula registry, so the library is checked against an independent reading.
 */
import { createHash } from 'node:crypto';
import {
  type AnswerVector,
  encodeAnswerFrame,
  encodeAuthRequestFrame,
  encodeDeviceRequestFrame,
  type RequestVector,
} from '../../src/index.js';
import { V } from './fixtures.js';

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const S = V.accessSecret;

function tcpAuth(): RequestVector {
  const signedText = V.version + V.sn + 'C_AUTH' + V.accessId + V.accessKey + V.timeStamp + S;
  const sign = md5(signedText);
  const request = {
    version: V.version,
    sn: V.sn,
    apicode: 'C_AUTH',
    accessId: V.accessId,
    accessKey: V.accessKey,
    timeStamp: V.timeStamp,
    sign,
  };
  return {
    name: 'C_AUTH',
    apicode: 'C_AUTH',
    transport: 'tcp',
    request,
    frameHex: hex(encodeAuthRequestFrame(request)),
    signedText,
    sign,
    variant: 'exact',
  };
}

function tcpDevice(
  name: string,
  apicode: string,
  param: string,
  signedParam: string,
  variant: RequestVector['variant'] = 'exact',
): RequestVector {
  const signedText = V.version + V.sn + V.token + apicode + V.timeStamp + signedParam + S;
  const sign = md5(signedText);
  const request = { version: V.version, sn: V.sn, token: V.token, apicode, timeStamp: V.timeStamp, param, sign };
  return {
    name,
    apicode,
    transport: 'tcp',
    request,
    frameHex: hex(encodeDeviceRequestFrame(request)),
    signedText,
    sign,
    variant,
  };
}

/** An HTTP request; paramJson is the exact text of param, sent as a string or as an object. */
function http(
  name: string,
  apicode: string,
  opts: { taskid?: boolean; paramJson?: string; form?: 'text' | 'object'; signedParam?: string },
): RequestVector {
  const taskid = opts.taskid ? V.taskid : '';
  const signedParam = opts.signedParam ?? opts.paramJson ?? '';
  // 3.x formulas: version sn token [taskid] apicode [param] accessSecret
  const signedText = V.version + V.sn + V.token + taskid + apicode + signedParam + S;
  const sign = md5(signedText);
  const parts = [
    `"version":${JSON.stringify(V.version)}`,
    `"sn":${JSON.stringify(V.sn)}`,
    `"token":${JSON.stringify(V.token)}`,
    `"apicode":${JSON.stringify(apicode)}`,
  ];
  if (opts.taskid) parts.push(`"taskid":${JSON.stringify(V.taskid)}`);
  if (opts.paramJson !== undefined) {
    parts.push(`"param":${opts.form === 'object' ? opts.paramJson : JSON.stringify(opts.paramJson)}`);
  }
  parts.push(`"sign":"${sign}"`);
  const request: Record<string, string> = { version: V.version, sn: V.sn, token: V.token, apicode, sign };
  if (opts.taskid) request.taskid = V.taskid;
  if (opts.paramJson !== undefined) {
    request.param = opts.paramJson;
    request.paramForm = opts.form ?? 'text';
  }
  return {
    name,
    apicode,
    transport: 'http',
    request,
    body: `{${parts.join(',')}}`,
    signedText,
    sign,
    variant: opts.signedParam !== undefined && opts.signedParam !== opts.paramJson ? 'compact' : 'exact',
  };
}

const heartbeat = '{"deviceVersion":"v14.8.7LM.S2.e2-1.180.7.23","deviceIp":"192.168.1.11"}';
const img = V.imgBase64;
const pid = V.personId;

export function requestVectors(): RequestVector[] {
  const posted = `{"currentPage":1,"totalPage":1,"data":[{"personId":"1","name":"张三","img":"${img}","hasImg":1},{"personId":"2","name":"李四","img":"${img}"}]}`;
  return [
    tcpAuth(),
    tcpDevice('C_HEARTBEAT', 'C_HEARTBEAT', heartbeat, heartbeat),
    tcpDevice(
      'C_SIGN_IN img in the middle: member and the comma after it removed',
      'C_SIGN_IN',
      `{"personId":"${pid}","type":1,"img":"${img}","recordTime":"1609744974000"}`,
      `{"personId":"${pid}","type":1,"recordTime":"1609744974000"}`,
    ),
    tcpDevice(
      'C_SIGN_IN img last: member and the comma before it removed',
      'C_SIGN_IN',
      `{"personId":"${pid}","type":1,"recordTime":1609744974000,"img":"${img}"}`,
      `{"personId":"${pid}","type":1,"recordTime":1609744974000}`,
    ),
    tcpDevice(
      'C_SIGN_IN img first',
      'C_SIGN_IN',
      `{"img":"${img}","personId":"${pid}","type":1,"recordTime":"1609744974000"}`,
      `{"personId":"${pid}","type":1,"recordTime":"1609744974000"}`,
    ),
    tcpDevice(
      'C_SIGN_IN without img, with every optional member',
      'C_SIGN_IN',
      `{"personId":"${pid}","type":16,"bitType":17,"qrCodeInfo":{"type":"2","codeColor":"green","codeValue":"ZJ-330100-abc","cityCode":"330100"},"recordTime":"1609744974000","temperature":36.7,"irisInfo":"","coordinate":{"longitude":120.15507,"latitude":30.27415}}`,
      `{"personId":"${pid}","type":16,"bitType":17,"qrCodeInfo":{"type":"2","codeColor":"green","codeValue":"ZJ-330100-abc","cityCode":"330100"},"recordTime":"1609744974000","temperature":36.7,"irisInfo":"","coordinate":{"longitude":120.15507,"latitude":30.27415}}`,
    ),
    tcpDevice(
      'C_SIGN_IN pretty-printed param, whitespace kept: exact reading',
      'C_SIGN_IN',
      `{ "personId": "${pid}", "type": 1, "img": "${img}", "recordTime": "1609744974000" }`,
      `{ "personId": "${pid}", "type": 1, "recordTime": "1609744974000" }`,
    ),
    tcpDevice(
      'C_SIGN_IN pretty-printed param signed as compact JSON without img: accepted reading',
      'C_SIGN_IN',
      `{ "personId": "${pid}", "type": 1, "img": "${img}", "recordTime": "1609744974000" }`,
      `{"personId":"${pid}","type":1,"recordTime":"1609744974000"}`,
      'compact',
    ),
    http('T_GET_TASKS param as a string (3.1.4)', 'T_GET_TASKS', {
      paramJson: '{"taskids":["6541951958563696640","6541951958626611200"]}',
    }),
    http('T_UPDATE_TASKS_STATUS param as an object (3.2.4)', 'T_UPDATE_TASKS_STATUS', {
      form: 'object',
      paramJson:
        '{"task":[{"taskid":"6541951958563696640","status":1,"failedPersons":[{"personId":"1","errCode":"D01"}],"failedFaces":[{"personId":"1","errCode":"D15"},{"personId":"2","errCode":"D12"}]}],"personCount":300,"faceCount":200}',
    }),
    http('T_UPDATE_TASKS_STATUS object param with spaces, signed as sent', 'T_UPDATE_TASKS_STATUS', {
      form: 'object',
      paramJson: '{ "task": [ { "taskid": "6541951958563696640", "status": 3 } ] }',
    }),
    http('T_UPDATE_TASKS_STATUS object param with spaces, signed compact', 'T_UPDATE_TASKS_STATUS', {
      form: 'object',
      paramJson: '{ "task": [ { "taskid": "6541951958563696640", "status": 2 } ], "personCount": 0 }',
      signedParam: '{"task":[{"taskid":"6541951958563696640","status":2}],"personCount":0}',
    }),
    http('T_SEND_PERSON page by size (3.3.4)', 'T_SEND_PERSON', {
      taskid: true,
      paramJson: '{"currentPage":1,"size":10}',
    }),
    http('T_SEND_PERSON page by totalPage (3.3.2)', 'T_SEND_PERSON', {
      taskid: true,
      paramJson: '{"currentPage":2,"totalPage":5}',
    }),
    http('T_UPDATE_DEVICE_PERSON', 'T_UPDATE_DEVICE_PERSON', {
      taskid: true,
      paramJson: '{"currentPage":1,"size":10}',
    }),
    http('T_DEL_DEVICE_PERSON (no param: skipped)', 'T_DEL_DEVICE_PERSON', { taskid: true }),
    http('T_CLEAR_DEVICE_PERSON', 'T_CLEAR_DEVICE_PERSON', { taskid: true }),
    http('T_UPDATE_DEVICE_VERSION echoing the firmware descriptor', 'T_UPDATE_DEVICE_VERSION', {
      taskid: true,
      paramJson: `{"version":"v14.9.0","size":1048576,"downloadUrl":"https://platform.example/fw/v14.9.0?e=1&s=x","sha256":"${'ab'.repeat(32)}"}`,
    }),
    http('T_UPDATE_DEVICE_VERSION without param', 'T_UPDATE_DEVICE_VERSION', { taskid: true }),
    http('T_POST_DEVICE_PERSON: every img in data removed (3.8.2)', 'T_POST_DEVICE_PERSON', {
      taskid: true,
      form: 'object',
      paramJson: posted,
      signedParam:
        '{"currentPage":1,"totalPage":1,"data":[{"personId":"1","name":"张三","hasImg":1},{"personId":"2","name":"李四"}]}',
    }),
  ].map((v) =>
    // The 3.8 vector strips images by hand, which is the exact reading, not compact.
    v.apicode === 'T_POST_DEVICE_PERSON' ? { ...v, variant: 'exact' as const } : v,
  );
}

function tcpAnswer(name: string, apicode: string, success: boolean, response: string, error = ''): AnswerVector {
  const fields = { version: V.version, success, apicode, error, response };
  return {
    name,
    apicode,
    transport: 'tcp',
    frameHex: hex(
      encodeAnswerFrame({
        version: V.version,
        success,
        apicode,
        response: response || undefined,
        error: error ? JSON.parse(error) : undefined,
      }),
    ),
    fields,
  };
}

function httpAnswer(
  name: string,
  apicode: string,
  opts: { taskid?: boolean; response?: string; unsignedResponse?: string },
): AnswerVector {
  const taskid = opts.taskid ? V.taskid : '';
  const signedText = `${V.version}true${taskid}${opts.response ?? ''}${S}`;
  const sign = md5(signedText);
  const parts = [`"version":"${V.version}"`, '"success":true'];
  if (opts.taskid) parts.push(`"taskid":"${V.taskid}"`);
  const bodyResponse = opts.response ?? opts.unsignedResponse;
  if (bodyResponse !== undefined) parts.push(`"response":${bodyResponse}`);
  parts.push(`"sign":"${sign}"`);
  const fields: Record<string, string | boolean> = { version: V.version, success: true };
  if (opts.taskid) fields.taskid = V.taskid;
  if (opts.response !== undefined) fields.response = opts.response;
  return { name, apicode, transport: 'http', body: `{${parts.join(',')}}`, fields, signedText, sign };
}

function httpFailure(name: string, apicode: string, withTaskid: boolean): AnswerVector {
  const taskid = withTaskid ? V.taskid : '';
  const signedText = `${V.version}false${taskid}${S}`;
  const sign = md5(signedText);
  const error = '{"errorcode":"400_02","errormsg":"param 解析失败"}';
  const fields: Record<string, string | boolean> = { version: V.version, success: false };
  if (withTaskid) fields.taskid = V.taskid;
  const taskPart = withTaskid ? `"taskid":"${V.taskid}",` : '';
  return {
    name,
    apicode,
    transport: 'http',
    body: `{"version":"${V.version}","success":false,${taskPart}"error":${error},"sign":"${sign}"}`,
    fields,
    signedText,
    sign,
  };
}

export function answerVectors(): AnswerVector[] {
  const page = `{"data":[{"personId":"${pid}","name":"张三","imgUrls":["https://platform.example/p/abc?e=1&s=x"]}],"currentPage":1,"totalPage":1}`;
  return [
    tcpAnswer('C_AUTH success', 'C_AUTH', true, `{"token":"${V.token}"}`),
    tcpAnswer(
      'C_AUTH failure',
      'C_AUTH',
      false,
      '',
      '{"errorcode":"400_04","errormsg":"token 或 sign 验证失败"}',
    ),
    tcpAnswer(
      'C_HEARTBEAT with taskids (also the D3 push)',
      'C_HEARTBEAT',
      true,
      '{"taskids":["6543831380287827968","6543831380300410880"]}',
    ),
    tcpAnswer('C_SIGN_IN success', 'C_SIGN_IN', true, ''),
    httpAnswer('T_GET_TASKS', 'T_GET_TASKS', {
      response: `{"tasks":[{"taskid":"${V.taskid}","apicode":"T_SEND_PERSON","param":"{\\"totalPage\\":1,\\"size\\":10,\\"total\\":1}"}]}`,
    }),
    httpAnswer('T_UPDATE_TASKS_STATUS', 'T_UPDATE_TASKS_STATUS', {}),
    httpAnswer('T_SEND_PERSON page', 'T_SEND_PERSON', { taskid: true, response: page }),
    httpAnswer('T_UPDATE_DEVICE_PERSON page', 'T_UPDATE_DEVICE_PERSON', { taskid: true, response: page }),
    // 3.5.3 / 3.7.3: the formula leaves response out although the answer carries one.
    httpAnswer('T_DEL_DEVICE_PERSON', 'T_DEL_DEVICE_PERSON', {
      taskid: true,
      unsignedResponse: `{"personIds":["${pid}","4508004291609636865"]}`,
    }),
    httpAnswer('T_CLEAR_DEVICE_PERSON', 'T_CLEAR_DEVICE_PERSON', { taskid: true }),
    httpAnswer('T_UPDATE_DEVICE_VERSION', 'T_UPDATE_DEVICE_VERSION', {
      taskid: true,
      unsignedResponse: `{"version":"v14.9.0","size":1048576,"downloadUrl":"https://platform.example/fw/v14.9.0?e=1&s=x","sha256":"${'ab'.repeat(32)}"}`,
    }),
    httpAnswer('T_POST_DEVICE_PERSON', 'T_POST_DEVICE_PERSON', { taskid: true }),
    httpFailure('T_GET_TASKS failure', 'T_GET_TASKS', false),
    httpFailure('T_SEND_PERSON failure', 'T_SEND_PERSON', true),
  ];
}
