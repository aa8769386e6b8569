/**
 * D12 over HTTP: for a vendor with a registered RSA public key, every successful
 * answer's `response` is an envelope that opens, with the vendor's private key, to the
 * compact response; the answer signature covers the envelope's text where the formula
 * includes response. Failures are never sealed.
 */
import {
  type Apicode,
  type Envelope,
  isEnvelope,
  openResponse,
  signAnswer,
  signRequest,
  verifyAnswerSignature,
} from '@kaoqin/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVELOPE, F, FIXED, type Harness, type Posted, post, startHarness } from './harness.js';

let h: Harness;
let secret = '';
const SN = 'SN-SEALED';
const TOKEN = 'e'.repeat(32);

beforeAll(async () => {
  h = await startHarness();
  const vendor = await h.data.vendors.create('sealed vendor');
  secret = vendor.accessSecret;
  await h.data.store.vendors.update(vendor.vendorId, { publicKeyPem: ENVELOPE.publicKeyPem });
  await h.data.vendors.refresh();
  await h.addDevice(SN, TOKEN, vendor.vendorId);
});
afterAll(() => h.close());

function body(apicode: Apicode, members: { taskid?: string; param?: string }): Record<string, string> {
  const fields: Record<string, string> = { version: F.version, sn: SN, token: TOKEN, apicode, ...members };
  return { ...fields, sign: signRequest(apicode, fields, secret) };
}

function opened(res: Posted): string {
  const envelope = res.json.response;
  expect(isEnvelope(envelope), res.body).toBe(true);
  return openResponse(ENVELOPE.privateKeyPem, envelope as Envelope);
}

describe('D12 sealed responses', () => {
  it('T_GET_TASKS: the envelope opens to the compact response and the sign covers the envelope text', async () => {
    const res = await post(h, body('T_GET_TASKS', { param: `{"taskids":["${F.taskid}"]}` }));
    expect(res.json.success).toBe(true);
    expect(opened(res)).toBe(JSON.stringify({ tasks: [FIXED.task] }));
    const values = { version: F.version, success: true, response: res.responseText, sign: res.json.sign! };
    expect(verifyAnswerSignature('T_GET_TASKS', values, secret)).toBe(true);
    expect(res.json.sign).toBe(
      signAnswer('T_GET_TASKS', { version: F.version, success: true, response: res.responseText }, secret),
    );
  });

  it('T_SEND_PERSON: person pages are sealed; the taskid stays in clear', async () => {
    const res = await post(h, body('T_SEND_PERSON', { taskid: F.taskid, param: '{"currentPage":1}' }));
    expect(res.json.taskid).toBe(F.taskid);
    expect(opened(res)).toBe(JSON.stringify(FIXED.page));
    const values = { version: F.version, success: true, taskid: F.taskid, response: res.responseText };
    expect(verifyAnswerSignature('T_SEND_PERSON', { ...values, sign: res.json.sign! }, secret)).toBe(true);
  });

  it('T_DEL_DEVICE_PERSON and T_UPDATE_DEVICE_VERSION: sealed, though their formulas leave response out (K8)', async () => {
    const del = await post(h, body('T_DEL_DEVICE_PERSON', { taskid: F.taskid }));
    expect(JSON.parse(opened(del))).toEqual({ personIds: FIXED.personIds });
    const fw = await post(h, body('T_UPDATE_DEVICE_VERSION', { taskid: F.taskid }));
    expect(JSON.parse(opened(fw))).toEqual(FIXED.firmware);
    expect(fw.json.sign).toBe(
      signAnswer('T_UPDATE_DEVICE_VERSION', { version: F.version, success: true, taskid: F.taskid }, secret),
    );
  });

  it('each answer gets a fresh envelope', async () => {
    const a = await post(h, body('T_DEL_DEVICE_PERSON', { taskid: F.taskid }));
    const b = await post(h, body('T_DEL_DEVICE_PERSON', { taskid: F.taskid }));
    expect(a.responseText).not.toBe(b.responseText);
  });

  it('answers without a response have nothing to seal', async () => {
    const res = await post(h, body('T_CLEAR_DEVICE_PERSON', { taskid: F.taskid }));
    expect(res.json).toEqual({
      version: F.version,
      success: true,
      taskid: F.taskid,
      sign: signAnswer(
        'T_CLEAR_DEVICE_PERSON',
        { version: F.version, success: true, taskid: F.taskid },
        secret,
      ),
    });
  });

  it('failures are not sealed', async () => {
    const res = await post(
      h,
      body('T_SEND_PERSON', { taskid: '1234567890123456789', param: '{"currentPage":1}' }),
    );
    expect(res.json).toMatchObject({ success: false, error: { errorcode: '490_06' } });
    expect(res.json.response).toBeUndefined();
  });

  it('the fixture vendor, with no key, gets plain responses', async () => {
    const res = await post(h, {
      version: F.version,
      sn: F.sn,
      token: F.token,
      apicode: 'T_DEL_DEVICE_PERSON',
      taskid: F.taskid,
      sign: signRequest(
        'T_DEL_DEVICE_PERSON',
        { version: F.version, sn: F.sn, token: F.token, apicode: 'T_DEL_DEVICE_PERSON', taskid: F.taskid },
        F.accessSecret,
      ),
    });
    expect(res.json.response).toEqual({ personIds: FIXED.personIds });
  });
});
