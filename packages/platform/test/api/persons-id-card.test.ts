/**
 * The ID card rules (§1.1(1), domain/id-card.ts) through POST and PATCH /persons: each
 * refusal is a 400 whose errors[] name the field, the rule's code and the measured value;
 * every failed rule is listed at once; nothing is stored.
 */

import { face, idNumber, idNumberCheckChar, withBadCheckDigit } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const make = (first17: string) => first17 + idNumberCheckChar(first17);

describe.each(BACKENDS)('persons: ID card rules ($name)', ({ pg }) => {
  let p: ApiPlatform;

  const post = async (body: Json) =>
    p.api.call('POST', '/api/v1/persons', {
      body: { name: '卡检', photos: [b64(await face())], ...body },
    });

  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
  });
  afterAll(() => p.stop());

  it('enrols a valid card: number, 男 on an odd 17th digit, 汉族, validity 长期', async () => {
    const r = await post({
      idNumber: make('33010619800101001'),
      gender: '男',
      ethnicity: '汉族',
      validFrom: '2015-03-01',
      validTo: '长期',
    });
    expect(r.status, r.text).toBe(201);
  });

  it('refuses each broken rule with its code and measured value, and stores nothing', async () => {
    const good = make('11010119900307002'); // 17th digit 2: 女
    const cases: [Json, string, RegExp][] = [
      [
        { idNumber: withBadCheckDigit(good) },
        'body.idNumber',
        /^id_number_check_digit: check character .*calls for /,
      ],
      [
        { idNumber: make('11010119900230002') },
        'body.idNumber',
        /^id_number_birth_date: birth date 19900230 is not a real date/,
      ],
      [
        { idNumber: make('11010120990101002') },
        'body.idNumber',
        /^id_number_birth_date: birth date 20990101 is in the future/,
      ],
      [{ idNumber: make('99010119900101002') }, 'body.idNumber', /^id_number_region: region code 99/],
      [
        { idNumber: good, gender: '男' },
        'body.gender',
        /^gender_mismatch: gender 男, but the ID number's 17th digit 2 is even/,
      ],
      [{ idNumber: good, gender: '未知' }, 'body.gender', /^gender_invalid: /],
      [{ idNumber: good, ethnicity: '火星' }, 'body.ethnicity', /^ethnicity_invalid: ethnicity "火星"/],
      [
        { idNumber: good, validFrom: '2005-01-01', validTo: '2025-01-01' },
        'body.validTo',
        /^id_card_expired: the card expired on 2025-01-01/,
      ],
    ];
    for (const [body, path, message] of cases) {
      const r = await post(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.code).toBe('validation_failed');
      expect(r.body.errors).toEqual([
        {
          path,
          message: expect.stringMatching(message),
          code: expect.any(String),
          value: expect.any(String),
        },
      ]);
    }
    const list = await p.api.call('GET', `/api/v1/persons?idNumber=${good}`);
    expect(list.body.items).toEqual([]);
  });

  it('lists every failed rule at once', async () => {
    const r = await post({ idNumber: make('99010119900101002'), gender: '男', validTo: '2020-01-01' });
    expect(r.status).toBe(400);
    expect(r.body.errors.map((e: Json) => e.message.split(':')[0])).toEqual([
      'id_number_region',
      'gender_mismatch',
      'id_card_expired',
    ]);
  });

  it('PATCH checks the card fields it changes', async () => {
    const made = await post({ idNumber: idNumber() });
    expect(made.status, made.text).toBe(201);
    const path = `/api/v1/persons/${made.body.personId}`;
    const bad = await p.api.call('PATCH', path, {
      body: { idNumber: withBadCheckDigit(idNumber()) },
      headers: { 'if-match': made.body.etag },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({
      path: 'body.idNumber',
      message: expect.stringMatching(/^id_number_check_digit/),
    });
    const expired = await p.api.call('PATCH', path, {
      body: { validTo: '2020-12-31' },
      headers: { 'if-match': made.body.etag },
    });
    expect(expired.status).toBe(400);
    expect(expired.body.errors[0].message).toMatch(/^id_card_expired/);
    const ok = await p.api.call('PATCH', path, {
      body: { idNumber: idNumber({ female: true }), gender: '女' },
      headers: { 'if-match': made.body.etag },
    });
    expect(ok.status, ok.text).toBe(200);
  });
});
