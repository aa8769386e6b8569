import { describe, expect, it } from 'vitest';
import { tamperedSignature } from '../src/signed-url.js';

describe('tamperedSignature', () => {
  it('changes the signature whatever character it begins with', () => {
    for (const first of ['A', 'B', 'z', '-', '_', '0']) {
      const url = `http://h/dl/clockin/k?e=1&s=${first}bcdef`;
      const out = tamperedSignature(url);
      expect(out).not.toBe(url);
      expect(out).toMatch(/^http:\/\/h\/dl\/clockin\/k\?e=1&s=[AB]bcdef$/);
    }
  });
  it('leaves the rest of the URL alone (a host or path containing "s=" is not touched)', () => {
    expect(tamperedSignature('http://s=x/dl/a?e=1&s=Qq')).toBe('http://s=x/dl/a?e=1&s=Aq');
  });
});
