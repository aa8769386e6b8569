/**
 * splitImageMember (the image cut out of param's bytes) against the text path it stands
 * in for: whatever it accepts must strip to stripImageMembers' exact text (D4), parse to
 * the param without img, and carry img's own bytes; whatever it is not certain of it
 * must leave to the text path (undefined).
 */
import { splitImageMember, stripImageMembers, withoutImages } from '@kaoqin/protocol';
import { describe, expect, it } from 'vitest';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** The text path's answers for a param that is valid JSON with a string img. */
function expectAgrees(text: string): void {
  const got = splitImageMember(bytes(text));
  expect(got, text).toBeDefined();
  expect(got!.text).toBe(stripImageMembers(text));
  expect(JSON.parse(got!.text)).toEqual(withoutImages(JSON.parse(text)));
  expect(new TextDecoder().decode(got!.img)).toBe((JSON.parse(text) as { img: string }).img);
}

describe('splitImageMember: the plain cases, as the text path strips them', () => {
  it.each([
    ['first', '{"img":"AAAA","personId":"1","type":1}'],
    ['middle', '{"personId":"1","img":"AAAA","type":1}'],
    ['last', '{"personId":"1","type":1,"img":"AAAA"}'],
    ['alone', '{"img":"AAAA"}'],
    ['empty', '{"personId":"1","img":""}'],
    ['pretty-printed', '{\n  "personId": "1",\n  "img" : "AAAA" ,\n\t"type": 1\n}\n'],
    ['pretty, last', ' {\r\n  "personId": "1" ,\r\n  "img": "AAAA"\r\n} '],
    ['escapes in other values', '{"personId":"a\\"b\\\\","img":"AA/+","note":"\\n\\t\\/"}'],
    ['a string ending in an escaped backslash', '{"personId":"x\\\\","img":"AAAA","type":1}'],
    [
      'nested values with brackets in strings',
      '{"qrCodeInfo":{"type":1,"codeValue":"{[}]\\"","list":[1,{"a":"]"}]},"img":"AAAA","recordTime":1.5e3,"ok":true,"n":null}',
    ],
    ['a data URL', '{"personId":"1","img":"data:image/png;base64,AAAA"}'],
    ['non-ASCII elsewhere', '{"personId":"张三","img":"AAAA","type":1}'],
    ['img quoted inside a string', '{"personId":"\\"img\\"","img":"AAAA"}'],
    ['a key that only looks like img', '{"imgx":"1","IMG":"2","img":"AAAA","xim":"g"}'],
  ])('%s', (_name, text) => expectAgrees(text));

  it('agrees on many random member orders and whitespace', () => {
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed % n;
    };
    const ws = ['', ' ', '\n', '\t', '  ', '\r\n'];
    const values = ['"1"', '12', '-1.5e2', 'true', 'null', '{"a":[1,"}"]}', '[]', '"a\\"b"', '"é"'];
    for (let i = 0; i < 2000; i++) {
      const members: string[] = [];
      const n = rand(5);
      for (let m = 0; m < n; m++)
        members.push(`"k${m}"${ws[rand(6)]}:${ws[rand(6)]}${values[rand(values.length)]}`);
      members.splice(rand(n + 1), 0, `"img"${ws[rand(6)]}:${ws[rand(6)]}"${'AB+/'.slice(0, rand(5))}"`);
      const body = members.map((m) => `${ws[rand(6)]}${m}${ws[rand(6)]}`).join(',');
      expectAgrees(`${ws[rand(6)]}{${body}}${ws[rand(6)]}`);
    }
  });
});

describe('splitImageMember: what it leaves to the text path', () => {
  it.each([
    ['no img', '{"personId":"1","type":1}'],
    ['empty object', '{}'],
    ['img null', '{"personId":"1","img":null}'],
    ['img a number', '{"personId":"1","img":12}'],
    ['img an object', '{"personId":"1","img":{"a":"b"}}'],
    ['img an array', '{"img":["AAAA"]}'],
    ['img with an escape', '{"img":"AA\\/A"}'],
    ['img twice', '{"img":"AAAA","personId":"1","img":"BBBB"}'],
    ['an escaped key that is img', '{"\\u0069mg":"AAAA","personId":"1"}'],
    ['an escaped key', '{"per\\"son":"1","img":"AAAA"}'],
    ['a \\u escape elsewhere', '{"personId":"\\u5f20","img":"AAAA"}'],
    ['a nested img', '{"qrCodeInfo":{"img":"x"},"img":"AAAA"}'],
    ['"img" ending a string', '{"personId":"\\"img","img":"AAAA"}'],
    ['a trailing comma', '{"img":"AAAA",}'],
    ['a trailing comma after img', '{"personId":"1","img":"AAAA",}'],
    ['a leading comma', '{,"img":"AAAA"}'],
    ['no colon', '{"img" "AAAA"}'],
    ['truncated in img', '{"personId":"1","img":"AAAA'],
    ['truncated after img', '{"personId":"1","img":"AAAA"'],
    ['truncated nested', '{"img":"AAAA","a":{"b":[1,2}'],
    ['text after the object', '{"img":"AAAA"}x'],
    ['two objects', '{"img":"AAAA"}{}'],
    ['an array', '[{"img":"AAAA"}]'],
    ['a string', '"img"'],
    ['empty', ''],
    ['a byte-order mark', '\ufeff{"img":"AAAA"}'],
  ])('%s', (_name, text) => {
    expect(splitImageMember(bytes(text))).toBeUndefined();
  });

  it('invalid UTF-8 around the image', () => {
    const head = bytes('{"personId":"');
    const tail = bytes('","img":"AAAA"}');
    const bad = new Uint8Array([...head, 0xff, 0xfe, ...tail]);
    expect(splitImageMember(bad)).toBeUndefined();
  });

  it('leaves the whole to JSON.parse when a kept value is not JSON', () => {
    // Only the structure around img is the splitter's; the rest is judged by the parse of
    // the text, as the text path judges the whole.
    const got = splitImageMember(bytes('{"personId":tru,"img":"AAAA"}'));
    expect(got?.text).toBe('{"personId":tru}');
    expect(() => JSON.parse(got!.text)).toThrow();
  });
});
