import { idNumber, idNumberCheckChar, withBadCheckDigit } from '@kaoqin/testkit';
import { describe, expect, it } from 'vitest';
import { checkIdCard, idCardFailures } from '../../src/domain/id-card.js';
import { normalizeEthnicity } from '../../src/domain/id-card-ethnicity.js';
import { PROVINCE_CODES } from '../../src/domain/id-card-regions.js';
import { isExpired, parseValidity } from '../../src/domain/id-card-validity.js';
import { idNumberProblem } from '../../src/domain/id-number.js';

const TODAY = '2026-03-01';
const make = (first17: string) => first17 + idNumberCheckChar(first17);
const codes = (input: Parameters<typeof checkIdCard>[0]) => idCardFailures(input, TODAY).map((v) => v.code);

describe('ID card check', () => {
  it('passes a valid card, every rule reported with its value', () => {
    const id = make('33010619800101001'); // odd 17th digit: 男
    const all = checkIdCard(
      { idNumber: id, gender: '男', ethnicity: '汉族', validFrom: '2015-03-01', validTo: '长期' },
      TODAY,
    );
    expect(all.every((v) => v.ok)).toBe(true);
    expect(all.map((v) => v.code)).toEqual([
      'id_number_format',
      'id_number_birth_date',
      'id_number_check_digit',
      'id_number_region',
      'gender_mismatch',
      'ethnicity_invalid',
      'id_card_expired',
    ]);
    expect(all[3]!.message).toBe('region 33 (浙江)');
  });

  it('accepts the testkit’s numbers, the special regions and residence permits', () => {
    for (let i = 0; i < 200; i++) expect(codes({ idNumber: idNumber({ female: i % 2 === 0 }) })).toEqual([]);
    for (const r of ['71', '81', '82', '83'])
      expect(codes({ idNumber: make(`${r}000019900101002`) })).toEqual([]);
    expect(Object.keys(PROVINCE_CODES)).toHaveLength(35);
  });

  it('refuses a wrong check digit, naming the character expected', () => {
    const id = make('11010119900307002');
    const [v] = idCardFailures({ idNumber: withBadCheckDigit(id) }, TODAY);
    expect(v).toMatchObject({ code: 'id_number_check_digit', field: 'idNumber' });
    expect(v!.message).toContain(`calls for ${id[17]}`);
  });

  it('refuses impossible, future and pre-1900 birth dates', () => {
    for (const [d, why] of [
      ['19900230', 'not a real date'],
      ['20300101', 'in the future'],
      ['18991231', 'before 1900'],
    ] as const) {
      const [v] = idCardFailures({ idNumber: make(`110101${d}002`) }, TODAY);
      expect(v).toMatchObject({ code: 'id_number_birth_date', value: `birth date ${d}` });
      expect(v!.message).toContain(why);
    }
  });

  it('refuses a region code that is no province, and bad shapes', () => {
    expect(codes({ idNumber: make('99010119900101002') })).toEqual(['id_number_region']);
    expect(codes({ idNumber: make('20010119900101002') })).toEqual(['id_number_region']);
    expect(codes({ idNumber: '11010119900101' })).toEqual(['id_number_format']);
    expect(codes({ idNumber: make('01010119900101002') })).toEqual(['id_number_format']);
  });

  it('refuses a sex that disagrees with the 17th digit, or is not 男/女', () => {
    const female = make('11010119900101002');
    expect(codes({ idNumber: female, gender: '女' })).toEqual([]);
    expect(codes({ idNumber: female, gender: '男' })).toEqual(['gender_mismatch']);
    expect(codes({ idNumber: female, gender: '未知' })).toEqual(['gender_invalid']);
  });

  it('takes 民族 from GB/T 3304 only', () => {
    expect(normalizeEthnicity('汉族')).toBe('汉');
    expect(normalizeEthnicity('土家族')).toBe('土家');
    expect(normalizeEthnicity('外国血统中国籍人士')).toBe('外国血统');
    expect(codes({ idNumber: idNumber(), ethnicity: '火星' })).toEqual(['ethnicity_invalid']);
  });

  it('refuses an expired card and a validity that ends before it starts', () => {
    const id = idNumber();
    expect(codes({ idNumber: id, validFrom: '2006-01-01', validTo: '2026-02-28' })).toEqual([
      'id_card_expired',
    ]);
    expect(codes({ idNumber: id, validTo: TODAY })).toEqual([]);
    expect(codes({ idNumber: id, validFrom: '2036-01-01', validTo: '2035-01-01' })).toEqual([
      'valid_to_before_from',
    ]);
    expect(idCardFailures({ idNumber: id, validTo: '2026-02-28' }, TODAY)[0]!.message).toBe(
      'the card expired on 2026-02-28 (today is 2026-03-01)',
    );
  });

  it('reports every failure at once', () => {
    expect(
      codes({
        idNumber: withBadCheckDigit(make('11010119900101002')),
        gender: '男',
        ethnicity: 'x',
        validTo: '2020-01-01',
      }),
    ).toEqual(['id_number_check_digit', 'gender_mismatch', 'ethnicity_invalid', 'id_card_expired']);
  });

  it('the import’s number check agrees (region included)', () => {
    expect(idNumberProblem(make('99010119900101002'))).toBe('id_number_region');
    expect(idNumberProblem(make('83000019900101002'))).toBeUndefined();
  });
});

describe('card validity period', () => {
  it('reads the card’s formats', () => {
    expect(parseValidity('2015.03.01-2035.03.01')).toEqual({ from: '2015-03-01', to: '2035-03-01' });
    expect(parseValidity('2015.03.01-长期')).toEqual({ from: '2015-03-01', to: '长期' });
    expect(parseValidity('20150301-20350301')).toEqual({ from: '2015-03-01', to: '2035-03-01' });
    expect(parseValidity('20150301-长期')).toEqual({ from: '2015-03-01', to: '长期' });
    expect(parseValidity('2015-03-01 至 2035-03-01')).toEqual({ from: '2015-03-01', to: '2035-03-01' });
    expect(parseValidity('2015.02.30-2035.02.28')).toBeUndefined();
    expect(parseValidity('soon')).toBeUndefined();
  });

  it('长期 never expires; a date expires the day after', () => {
    expect(isExpired('长期', '2999-01-01')).toBe(false);
    expect(isExpired('2026-03-01', '2026-03-01')).toBe(false);
    expect(isExpired('2026-03-01', '2026-03-02')).toBe(true);
  });
});
