import {
  APICODE_SPECS,
  firmwareDescriptor,
  getTasksParam,
  isRealName,
  ProtocolError,
  pageParam,
  parseParam,
  postPersonsTaskParam,
  updateTasksStatusParam,
} from '@kaoqin/protocol';
import { describe, expect, it } from 'vitest';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProtocolError) return e.code;
    throw e;
  }
  return 'ok';
};

describe('C_SIGN_IN param (2.3.2, D9)', () => {
  const spec = APICODE_SPECS.C_SIGN_IN;
  const parse = (p: object) => parseParam(spec, JSON.stringify(p));

  it('accepts type and recordTime as numbers or text and normalises them', () => {
    expect(parse({ personId: '1', type: '1', recordTime: '1609744974000' })).toMatchObject({
      personId: '1',
      type: 1,
      recordTime: 1609744974000,
    });
  });

  it('accepts qrCodeInfo and coordinate as objects or JSON text', () => {
    const p = parse({
      personId: '1',
      type: 16,
      recordTime: 1609744974000,
      qrCodeInfo: JSON.stringify({ type: 2, codeColor: 'GREEN', codeValue: 'v' }),
      coordinate: { longitude: '120.1', latitude: 30.2 },
    });
    expect(p).toMatchObject({
      qrCodeInfo: { type: '2', codeColor: 'green' },
      coordinate: { longitude: 120.1 },
    });
  });

  it('reads coordinate.accuracy, our extension, in metres as a number or decimal text', () => {
    const at = (coordinate: unknown) =>
      parse({ personId: '1', type: 64, recordTime: 1609744974000, coordinate }).coordinate;
    expect(at({ longitude: 120.1, latitude: 30.2, accuracy: 14.375 })).toEqual({
      longitude: 120.1,
      latitude: 30.2,
      accuracy: 14.375,
    });
    expect(at(JSON.stringify({ longitude: 120.1, latitude: 30.2, accuracy: '8.5' }))?.accuracy).toBe(8.5);
    expect(at({ longitude: 120.1, latitude: 30.2, accuracy: 0 })?.accuracy).toBe(0);
    // absent stays absent: the standard's own coordinate is unchanged
    expect(at({ longitude: 120.1, latitude: 30.2 })).toEqual({ longitude: 120.1, latitude: 30.2 });
  });

  it('drops an accuracy that is not a finite number ≥ 0 and keeps the record (K16: not in the table)', () => {
    for (const accuracy of [-1, '-0.5', 'high', '12m', '1e3', null, true, {}, [5]]) {
      const p = parse({
        personId: '1',
        type: 64,
        recordTime: 1609744974000,
        coordinate: { longitude: 120.1, latitude: 30.2, accuracy },
      });
      expect(p.coordinate, JSON.stringify(accuracy)).toEqual({ longitude: 120.1, latitude: 30.2 });
      expect(p.coordinate?.accuracy).toBeUndefined();
    }
    // JSON text 1e999 is Infinity once parsed: dropped too
    const inf =
      '{"personId":"1","type":64,"recordTime":1609744974000,"coordinate":{"longitude":1,"latitude":2,"accuracy":1e999}}';
    expect(parseParam(spec, inf).coordinate?.accuracy).toBeUndefined();
    // the standard's members stay strict beside a good accuracy
    expect(
      codeOf(() =>
        parse({
          personId: '1',
          type: 64,
          recordTime: 1609744974000,
          coordinate: { longitude: 500, latitude: 1, accuracy: 10 },
        }),
      ),
    ).toBe('400_02');
  });

  it('gives 403_01 / 403_02 / 403_03 for bad types and 400_02 for the rest', () => {
    expect(codeOf(() => parse({ personId: '1', type: 5, recordTime: 1609744974000 }))).toBe('403_01');
    expect(codeOf(() => parse({ personId: '1', type: 1, bitType: 1, recordTime: 1609744974000 }))).toBe(
      '403_02',
    );
    expect(
      codeOf(() =>
        parse({
          personId: '1',
          type: 16,
          qrCodeInfo: { type: 9, codeValue: 'x' },
          recordTime: 1609744974000,
        }),
      ),
    ).toBe('403_03');
    expect(
      codeOf(() =>
        parse({
          personId: '1',
          type: 1,
          recordTime: 1609744974000,
          coordinate: { longitude: 500, latitude: 1 },
        }),
      ),
    ).toBe('400_02');
    // A 19-digit personId sent as a JSON number has already lost precision: refused.
    const bigId = '{"personId":4508004291609636864,"type":1,"recordTime":1609744974000}';
    expect(codeOf(() => parseParam(spec, bigId))).toBe('400_02');
  });

  it('counts only biometric types as real-name (section 四)', () => {
    expect(isRealName(1)).toBe(true);
    expect(isRealName(32)).toBe(true);
    expect(isRealName(2)).toBe(false);
    expect(isRealName(8)).toBe(false);
    expect(isRealName(2, 3)).toBe(true);
    expect(isRealName(8, 12)).toBe(false);
    expect(isRealName(1, 6)).toBe(true);
  });
});

describe('task shapes (chapter 3)', () => {
  it('reads both page forms of D5', () => {
    expect(pageParam.parse({ currentPage: 1, size: 10 })).toEqual({ currentPage: 1, size: 10 });
    expect(pageParam.parse({ currentPage: '2', totalPage: '5' })).toEqual({ currentPage: 2, totalPage: 5 });
    expect(pageParam.safeParse({ currentPage: 0 }).success).toBe(false);
    expect(pageParam.parse({ currentPage: 1, size: 5000 }).size).toBe(100);
  });

  it('tolerates a lone task id and a one-element taskid list', () => {
    expect(getTasksParam.parse({ taskids: '6541951958563696640' })).toEqual({
      taskids: ['6541951958563696640'],
    });
    const s = updateTasksStatusParam.parse({ task: [{ taskid: ['7'], status: '1' }] });
    expect(s.task[0]).toEqual({ taskid: '7', status: 1 });
    expect(updateTasksStatusParam.safeParse({ task: [{ taskid: '7', status: 4 }] }).success).toBe(false);
  });

  it('reads excludeFields as text or a list', () => {
    expect(postPersonsTaskParam.parse({ excludeFields: 'img, phone' })).toEqual({
      excludeFields: ['img', 'phone'],
    });
    expect(postPersonsTaskParam.parse({ excludeFields: ['img'] })).toEqual({ excludeFields: ['img'] });
  });

  it('checks the firmware descriptor', () => {
    expect(
      firmwareDescriptor.safeParse({ version: '1', size: 10, downloadUrl: 'u', sha256: 'AB' }).success,
    ).toBe(false);
    expect(firmwareDescriptor.parse({ version: '1', size: '10', downloadUrl: 'u' }).size).toBe(10);
  });
});
