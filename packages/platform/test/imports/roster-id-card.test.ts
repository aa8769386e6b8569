/**
 * The roster import refuses the ID cards the API refuses (domain/id-card.ts), under the
 * same codes: region, 民族 off the GB/T 3304 list, an expired card, a sex the number
 * contradicts.
 */
import { idNumberCheckChar } from '@kaoqin/testkit';
import { describe, expect, it } from 'vitest';
import { readHeader } from '../../src/imports/roster-columns.js';
import { readRow } from '../../src/imports/roster-values.js';
import { validIdNumber, withBadCheckDigit } from '../helpers/roster.js';

const header = readHeader(['姓名', '身份证号', '性别', '民族', '有效期限'], 1)!;
const problems = (cells: string[]) => {
  const r = readRow(cells, 2, header);
  return r.ok ? [] : r.problems.map((p) => `${p.cell} ${p.code}`);
};
const make = (first17: string) => first17 + idNumberCheckChar(first17);

describe('roster ID card rules', () => {
  it('passes a valid card', () => {
    expect(problems(['张三', make('33010619800101001'), '男', '汉族', '2015.03.01-长期'])).toEqual([]);
    expect(problems(['张三', validIdNumber(), '', '土家', '20200101-20990101'])).toEqual([]);
  });

  it('refuses the check digit, the region, the sex, 民族 and an expired card with the API’s codes', () => {
    expect(problems(['张三', withBadCheckDigit(validIdNumber()), '', '', ''])).toEqual([
      'B2 id_number_check_digit',
    ]);
    expect(problems(['张三', make('99010119900101002'), '', '', ''])).toEqual(['B2 id_number_region']);
    expect(problems(['张三', make('11010119900101002'), '男', '', ''])).toEqual(['C2 gender_mismatch']);
    expect(problems(['张三', validIdNumber(), '', '火星', ''])).toEqual(['D2 ethnicity_invalid']);
    expect(problems(['张三', validIdNumber(), '', '', '2005.01.01-2025.01.01'])).toEqual([
      'E2 id_card_expired',
    ]);
  });
});
