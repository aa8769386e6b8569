/**
 * The catalogue's behaviours (what a device does on each code): every entry has one,
 * and the sets both sides derive from them hold the codes docs/protocol.md 7.1 names
 * (catalogue-docs.test.ts checks the docs' tables against the catalogue).
 */
import {
  AUTH_FAILURE_CODES,
  behaviourOf,
  codesWith,
  ERROR_BEHAVIOURS,
  ERRORS,
  isAuthFailure,
  REAUTHENTICATE_CODES,
} from '@kaoqin/protocol';
import { describe, expect, it } from 'vitest';

describe('error behaviours', () => {
  it('every catalogue entry has one of the behaviours, and every behaviour has a code', () => {
    for (const e of Object.values(ERRORS)) expect(ERROR_BEHAVIOURS, e.code).toContain(e.behaviour);
    for (const b of ERROR_BEHAVIOURS) expect(codesWith(b).size, b).toBeGreaterThan(0);
  });

  it('codesWith partitions the catalogue: each code in exactly one behaviour', () => {
    const all = ERROR_BEHAVIOURS.flatMap((b) => [...codesWith(b)]);
    expect(all.sort()).toEqual(
      Object.values(ERRORS)
        .map((e) => e.code)
        .sort(),
    );
  });

  it('behaviourOf reads the catalogue, and knows nothing of codes outside it', () => {
    for (const e of Object.values(ERRORS)) expect(behaviourOf(e.code)).toBe(e.behaviour);
    expect(behaviourOf('999_99')).toBeUndefined();
    expect(behaviourOf('')).toBeUndefined();
  });

  it('the derived sets hold the codes the docs name', () => {
    expect(codesWith('retry')).toEqual(new Set(['500_01', '490_03', '490_08']));
    expect(codesWith('refused')).toEqual(new Set(['400_02', '403_01', '403_02', '403_03', '490_09']));
    expect(codesWith('task_gone')).toEqual(new Set(['490_06', '490_07']));
    expect(codesWith('too_large')).toEqual(new Set(['490_01', '490_05']));
    expect(codesWith('resync_clock')).toEqual(new Set(['400_05']));
    // A device authenticates again on these (the SDK's session and task client).
    expect(REAUTHENTICATE_CODES).toEqual(new Set(['400_04', '401_01', '401_02']));
    // The platform's auth_failed events: both transports (issue 18: they disagreed on 400_05).
    expect(AUTH_FAILURE_CODES).toEqual(new Set(['400_04', '400_05', '401_01', '401_02', '490_04']));
    for (const code of AUTH_FAILURE_CODES) expect(isAuthFailure(code)).toBe(true);
    for (const code of ['500_01', '490_08', '400_02', '490_06', '999_99'])
      expect(isAuthFailure(code)).toBe(false);
  });
});
