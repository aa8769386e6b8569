/**
 * JSON nested deeper than any request of the standard (MAX_JSON_DEPTH) is refused before
 * anything walks it recursively: the conformance kit's fuzz pass found params thousands
 * of levels deep overflowing the stack in the signature's reading of param (500_01).
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_JSON_DEPTH,
  paramSignCandidates,
  parseOnce,
  signRequest,
  stripImageMembers,
  textNestedDeeperThan,
} from '../src/index.js';

const deep = (n: number, inner = '1') => `${'['.repeat(n)}${inner}${']'.repeat(n)}`;

describe('JSON depth', () => {
  it('measures nesting in the text without recursion, at any depth, skipping strings', () => {
    expect(textNestedDeeperThan('{"a":[{"b":1}]}', 3)).toBe(false);
    expect(textNestedDeeperThan('{"a":[{"b":[]}]}', 3)).toBe(true);
    expect(textNestedDeeperThan('"text"', 0)).toBe(false);
    expect(textNestedDeeperThan(deep(100_000), MAX_JSON_DEPTH)).toBe(true);
    // Brackets in strings are text, escaped quotes included.
    expect(textNestedDeeperThan(`{"a":"${'['.repeat(100)}\\"${'{'.repeat(100)}"}`, 1)).toBe(false);
    expect(textNestedDeeperThan('{"a":"\\\\",' + '"b":[[1]]}', 2)).toBe(true);
  });

  it('a deep member that a later one of the same name hides from JSON.parse is still too deep', () => {
    const param = `{"personId":"p","type":1,"img":${deep(20_000, '"x"')},"recordTime":1,"img":"y"}`;
    expect(parseOnce(param)).toEqual({ ok: false, error: `nested deeper than ${MAX_JSON_DEPTH} levels` });
    expect(stripImageMembers(param)).toBe(param);
    expect(() =>
      signRequest(
        'C_SIGN_IN',
        { version: 'v1', sn: 's', token: 't', apicode: 'C_SIGN_IN', timeStamp: '1', param },
        'k',
      ),
    ).not.toThrow();
  });

  it('the standard deepest param (3.2 status with failedPersons) is within the limit', () => {
    const status = {
      task: [{ taskid: '1', status: 2, failedPersons: [{ personId: '1', errCode: 'D01' }] }],
      personCount: 1,
      faceCount: 0,
    };
    expect(parseOnce(JSON.stringify(status)).ok).toBe(true);
  });

  it('a param too deep is read as text that is not JSON: only its exact text can match a sign', () => {
    const param = `{"personId":"p","type":1,"recordTime":1,"img":${deep(5000, '"x"')}}`;
    const parsed = parseOnce(param);
    expect(parsed).toEqual({ ok: false, error: `nested deeper than ${MAX_JSON_DEPTH} levels` });
    expect([...paramSignCandidates('C_SIGN_IN', param, parsed)]).toEqual([{ variant: 'exact', text: param }]);
  });

  it('stripping images leaves too-deep text as it is, instead of overflowing', () => {
    const param = `{"img":"x","z":\\u0031,"d":${deep(10_000)}}`.replace('\\\\', '\\');
    expect(stripImageMembers(param)).toBe(param);
    const escaped = `{"im\\u0067":${deep(10_000)}}`;
    expect(stripImageMembers(escaped, true)).toBe(escaped);
    expect(() =>
      signRequest(
        'C_SIGN_IN',
        { version: 'v1', sn: 's', token: 't', apicode: 'C_SIGN_IN', timeStamp: '1', param: escaped },
        'k',
        { paramIsJson: true },
      ),
    ).not.toThrow();
  });
});
