import {
  type Credential,
  checkRequest,
  ERRORS,
  type ErrorVector,
  type IncomingRequest,
} from '@kaoqin/protocol';
import { describe, expect, it } from 'vitest';
import { loadVectors } from './vectors.js';

const { cases, stateful } = loadVectors<{
  cases: ErrorVector[];
  stateful: { code: string; where: string }[];
}>('errors.json');

describe('error vectors (D8)', () => {
  it('give every catalogue code an input or a named stateful test', () => {
    const covered = new Set([...cases.map((c) => c.expect), ...stateful.map((s) => s.code)]);
    for (const { code } of Object.values(ERRORS)) expect(covered, code).toContain(code);
  });

  for (const c of cases) {
    it(`${c.expect}: ${c.name}`, async () => {
      const outcome = await checkRequest(c.request as unknown as IncomingRequest, {
        nowMs: c.nowMs,
        lookup: () => {
          if (c.credential === 'throws') throw new Error('store unavailable');
          return c.credential.status === 'ok'
            ? { status: 'ok', secret: '93f6218530984c32a3bf2b3d03dcb417' }
            : (c.credential as Credential);
        },
      });
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) expect(outcome.error.code).toBe(c.expect);
    });
  }
});
