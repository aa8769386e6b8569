import {
  compactWithoutImages,
  md5Hex,
  paramSignCandidates,
  rawMemberText,
  signaturesMatch,
  signingText,
  signRequest,
  stripImageMembers,
} from '@kaoqin/protocol';
import { describe, expect, it } from 'vitest';

describe('signing text (1.5, D4)', () => {
  it('skips null and absent members and writes booleans and numbers as text', () => {
    expect(signingText(['a', 'b', 'c', 'd', 'e'], { a: 'x', b: null, d: true, e: 12 }, 'S')).toBe('xtrue12S');
    expect(signingText(['a'], { a: false }, '')).toBe('false');
  });

  it('is UTF-8 MD5, lowercase hex', () => {
    expect(md5Hex('张三')).toBe('615db57aa314529aaa0fbe95b3e95bd3');
    expect(md5Hex('')).toBe('d41d8cd98f00b204e9800998ecf8427e');
  });

  it('signs C_SIGN_IN with img left out, wherever it stands', () => {
    const base = { version: 'v', sn: 's', token: 't', apicode: 'C_SIGN_IN', timeStamp: '20210328031608' };
    const withImg = signRequest(
      'C_SIGN_IN',
      { ...base, param: '{"personId":"1","img":"AAAA","type":1}' },
      'k',
    );
    const without = signRequest('C_SIGN_IN', { ...base, param: '{"personId":"1","type":1}' }, 'k');
    expect(withImg).toBe(without);
  });

  it('does not strip img from apicodes that carry no image', () => {
    const param = '{"deviceVersion":"1","img":"x"}';
    const v = { version: 'v', sn: 's', token: 't', apicode: 'C_HEARTBEAT', timeStamp: '1', param };
    expect(signRequest('C_HEARTBEAT', v, 'k')).toBe(md5Hex(`vstC_HEARTBEAT1${param}k`));
  });
});

describe('image stripping', () => {
  const cases: [string, string][] = [
    ['{"img":"x"}', '{}'],
    ['{ "img": "x" }', '{  }'],
    ['{"a":1,"img":"x"}', '{"a":1}'],
    ['{"img":"x","a":1}', '{"a":1}'],
    ['{"a":1,"img":"x","b":2}', '{"a":1,"b":2}'],
    ['{\n  "a": 1,\n  "img": "x",\n  "b": 2\n}', '{\n  "a": 1,\n  "b": 2\n}'],
    ['{\n  "a": 1,\n  "img": "x"\n}', '{\n  "a": 1\n}'],
    ['{"data":[{"img":"x","p":"1"},{"p":"2","img":"y"}],"n":1}', '{"data":[{"p":"1"},{"p":"2"}],"n":1}'],
    ['{"a":"has \\"img\\" inside","b":1}', '{"a":"has \\"img\\" inside","b":1}'],
    ['{"a":{"img":null},"img":"x"}', '{"a":{}}'],
    ['{"a":"\\\\","img":"x"}', '{"a":"\\\\"}'],
    ['{"img":"a\\"b","c":1}', '{"c":1}'],
    ['{"n":"\\u0069mg","\\u0069mg":"x","c":1}', '{"n":"\\u0069mg","c":1}'],
    ['["img",{"k":["img"],"img" : "x" , "z":0}]', '["img",{"k":["img"],"z":0}]'],
  ];
  for (const [input, output] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(output)}`, () => {
      expect(stripImageMembers(input)).toBe(output);
      expect(JSON.parse(stripImageMembers(input))).toEqual(
        JSON.parse(compactWithoutImages(JSON.parse(input))),
      );
    });
  }

  it('leaves text that is not JSON as it is', () => {
    expect(stripImageMembers('{personId:"1",img:"x"}')).toBe('{personId:"1",img:"x"}');
    expect(stripImageMembers('{"img":"x",}')).toBe('{"img":"x",}');
  });

  it('never drops img from the compact reading of an apicode without images', () => {
    expect([...paramSignCandidates('C_HEARTBEAT', '{ "img": 1 }')].map((c) => c.text)).toEqual([
      '{ "img": 1 }',
      '{"img":1}',
    ]);
  });

  it('offers the compact reading only when it differs', () => {
    expect([...paramSignCandidates('C_SIGN_IN', '{"a":1}')].map((c) => c.variant)).toEqual(['exact']);
    expect([...paramSignCandidates('C_SIGN_IN', '{ "a": 1 }')].map((c) => c.text)).toEqual([
      '{ "a": 1 }',
      '{"a":1}',
    ]);
    expect([...paramSignCandidates('C_SIGN_IN', 'nonsense')].map((c) => c.variant)).toEqual(['exact']);
  });
});

describe('raw member text (D5)', () => {
  it('returns an object member exactly as it stands in the body', () => {
    const body = '{"sn":"1","param": { "task" : [ 1 ] } ,"sign":"x"}';
    expect(rawMemberText(body, 'param')).toBe('{ "task" : [ 1 ] }');
    expect(rawMemberText(body, 'missing')).toBeUndefined();
    expect(rawMemberText('not json', 'param')).toBeUndefined();
  });
});

describe('signature comparison', () => {
  const sig = md5Hex('x');
  it('accepts the same signature, upper or lower case', () => {
    expect(signaturesMatch(sig, sig)).toBe(true);
    expect(signaturesMatch(sig.toUpperCase(), sig)).toBe(true);
  });
  it('refuses another, a shorter and an empty one', () => {
    expect(signaturesMatch(md5Hex('y'), sig)).toBe(false);
    expect(signaturesMatch(sig.slice(1), sig)).toBe(false);
    expect(signaturesMatch('', sig)).toBe(false);
  });
});
