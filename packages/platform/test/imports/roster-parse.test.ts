/**
 * Reading rosters and photo ZIPs, without a platform: the ID number's check digit, CSV in
 * UTF-8 (with and without BOM) and GBK, XLSX, headers in Chinese and English below a title
 * row, every bad cell named, duplicate ID numbers, and the ZIP's limits.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { face } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idNumberProblem } from '../../src/domain/id-number.js';
import { PhotoZip, PhotoZipError } from '../../src/imports/photos-zip.js';
import { parseRoster } from '../../src/imports/roster-parse.js';
import { RosterFileError } from '../../src/imports/roster-read.js';
import { csvOf, gbk, validIdNumber, withBadCheckDigit, xlsxOf, zipOf } from '../helpers/roster.js';

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kaoqin-roster-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
async function file(bytes: Uint8Array | string): Promise<string> {
  const path = join(dir, `f${++n}`);
  await writeFile(path, bytes);
  return path;
}

const HEADER = ['姓名', '身份证号', '性别', '手机号', '进场日期'];

describe('ID number (GB 11643)', () => {
  it('accepts a number with its check character and refuses a mistyped one', () => {
    expect(idNumberProblem('11010519491231002X')).toBeUndefined(); // the standard's own example
    expect(idNumberProblem('110105194912310021')).toBe('id_number_check_digit');
    expect(idNumberProblem('110105194902300021')).toBe('id_number_birth_date');
    expect(idNumberProblem('11010519491231002')).toBe('id_number_format');
    const id = validIdNumber();
    expect(idNumberProblem(id)).toBeUndefined();
    expect(idNumberProblem(withBadCheckDigit(id))).toBe('id_number_check_digit');
  });
});

describe('roster', () => {
  it('reads UTF-8 CSV with a BOM, a title row and every field checked, naming each bad cell', async () => {
    const [a, b, c, d] = [validIdNumber(), validIdNumber({ female: true }), validIdNumber(), validIdNumber()];
    const csv = csvOf([
      ['XX项目工人花名册', null, null, null, null, null],
      [...HEADER, '备注'],
      ['张三', a, '男', '138 0013 8000', '2024/3/5', 'x'],
      ['李四', b, '男', '', '2024-03-05', ''], // gender disagrees with the ID number
      ['', c, '', '12345', '2024-13-01', ''], // no name, bad phone, bad date
      ['王五', withBadCheckDigit(d), '', '', '', ''],
      ['', '', '', '', '', ''],
      ['赵六', a.toLowerCase(), '', '', '20240305', ''], // the same ID as row 3
    ]);
    const r = await parseRoster(await file(`\ufeff${csv}`));
    expect(r.format).toBe('csv');
    expect(r.encoding).toBe('utf-8');
    expect(r.header.row).toBe(2);
    expect(r.columnProblems).toEqual([
      expect.objectContaining({
        code: 'unknown_column',
        cell: 'F2',
        message: expect.objectContaining({ zh: expect.stringContaining('备注') }),
      }),
    ]);
    expect(r.rows.map((x) => x.row)).toEqual([3, 4, 5, 6, 8]);
    const [ok, g, bad, check, dup] = r.rows;
    expect(ok).toEqual({
      row: 3,
      ok: true,
      record: {
        row: 3,
        name: '张三',
        idNumber: a,
        gender: 'male',
        phone: '13800138000',
        joinedOn: '2024-03-05',
      },
    });
    const cells = (x: typeof g) => (x!.ok ? [] : x!.problems.map((p) => `${p.cell} ${p.code}`));
    expect(cells(g)).toEqual(['C4 gender_mismatch']);
    expect(cells(bad)).toEqual(['A5 name_missing', 'D5 phone_invalid', 'E5 date_invalid']);
    expect(cells(check)).toEqual(['B6 id_number_check_digit']);
    expect(cells(dup)).toEqual(['B8 id_number_duplicate']);
    expect(dup!.ok ? '' : dup!.problems[0]!.message.zh).toBe('与第 3 行身份证号重复');
  });

  it('reads GBK CSV (Excel’s default in China) and English headers', async () => {
    const id = validIdNumber();
    const gbkCsv = gbk(
      csvOf([
        ['姓名', '身份证号', '民族', '住址'],
        ['欧阳娜娜', id, '汉', '浙江省杭州市西湖区'],
      ]),
    );
    const r = await parseRoster(await file(gbkCsv));
    expect(r.encoding).toBe('gb18030');
    expect(r.rows[0]).toMatchObject({
      ok: true,
      record: { name: '欧阳娜娜', ethnicity: '汉', address: '浙江省杭州市西湖区' },
    });

    const en = await parseRoster(
      await file(
        csvOf([
          ['Name', 'ID number', 'Phone', 'validity'],
          ['Li Lei', id, '+86 13900000000', '2015.01.01-长期'],
        ]),
      ),
    );
    expect(en.rows[0]).toMatchObject({
      ok: true,
      record: {
        name: 'Li Lei',
        idNumber: id,
        phone: '13900000000',
        validFrom: '2015-01-01',
        validTo: '长期',
      },
    });
  });

  it('reads the first sheet of an XLSX, dates as dates, and refuses ID numbers stored as numbers', async () => {
    const [a, b] = [validIdNumber(), validIdNumber()];
    const xlsx = await xlsxOf(
      [
        ['姓名', '身份证号', '有效期起', '有效期止', '进场日期', '退场日期'],
        ['张三', a, new Date(Date.UTC(2015, 0, 1)), '2035-01-01', new Date(Date.UTC(2024, 2, 5)), 45_800],
        ['李四', b, '2020-01-01', '2019-01-01', '2024-03-05', '2024-03-01'],
      ],
      {},
    );
    const r = await parseRoster(await file(xlsx));
    expect(r.format).toBe('xlsx');
    expect(r.rows[0]).toMatchObject({
      ok: true,
      record: {
        validFrom: '2015-01-01',
        validTo: '2035-01-01',
        joinedOn: '2024-03-05',
        leftOn: '2025-05-23',
      },
    });
    expect(r.rows[1]!.ok ? [] : r.rows[1]!.problems.map((p) => `${p.cell} ${p.code}`)).toEqual([
      'D3 valid_to_before_from',
      'F3 left_before_joined',
    ]);
    const numeric = await parseRoster(
      await file(
        await xlsxOf(
          [
            ['姓名', '身份证号'],
            ['张三', '330106199001011234'],
          ],
          { idAsNumber: true },
        ),
      ),
    );
    expect(numeric.rows[0]!.ok ? [] : numeric.rows[0]!.problems.map((p) => `${p.cell} ${p.code}`)).toEqual([
      'B2 id_number_as_number',
    ]);
  });

  it('refuses a file it cannot use as a whole: .xls, no header, a field twice, too many rows', async () => {
    const xls = Buffer.alloc(512);
    xls.writeUInt32BE(0xd0cf11e0, 0);
    xls.writeUInt32BE(0xa1b11ae1, 4);
    await expect(parseRoster(await file(xls))).rejects.toMatchObject({ code: 'roster_xls' });
    await expect(
      parseRoster(
        await file(
          csvOf([
            ['a', 'b'],
            ['1', '2'],
          ]),
        ),
      ),
    ).rejects.toMatchObject({ code: 'roster_no_header' });
    await expect(
      parseRoster(
        await file(
          csvOf([
            ['姓名', '身份证号', '身份证号码'],
            ['x', 'y', 'z'],
          ]),
        ),
      ),
    ).rejects.toMatchObject({
      code: 'roster_duplicate_column',
    });
    const many = csvOf([['姓名', '身份证号'], ...Array.from({ length: 6 }, () => ['x', validIdNumber()])]);
    await expect(parseRoster(await file(many), { maxRows: 5, headerSearchRows: 10 })).rejects.toBeInstanceOf(
      RosterFileError,
    );
  });
});

describe('photo ZIP', () => {
  it('indexes <ID>.jpg in any folder and any case, and reports what it skips', async () => {
    const [a, b, c] = [validIdNumber(), validIdNumber(), validIdNumber()];
    const lowerX = `${a.slice(0, 17)}x`;
    const photo = await face();
    const zip = await zipOf([
      { name: `照片/一班/${b}.JPG`, bytes: photo },
      { name: `${lowerX}.jpeg`, bytes: photo },
      { name: `../${c}.jpg`, bytes: photo },
      { name: '张三.jpg', bytes: photo },
      { name: '__MACOSX/._x.jpg', bytes: photo },
      { name: `${c}.png`, bytes: Buffer.alloc(300 * 1024), deflate: true }, // zeros: a ratio no photo has
      { name: `big/${c}.jpg`, bytes: Buffer.alloc(400 * 1024, 1) }, // stored: 400 KB, refused unread
    ]);
    const z = await PhotoZip.open(await file(zip));
    try {
      expect([...z.byIdNumber.keys()].sort()).toEqual([lowerX.toUpperCase(), b, c].sort());
      expect(z.byIdNumber.get(c)![0]!.refused).toBe('photo_too_large');
      expect(z.problems.map((p) => `${p.entry} ${p.code}`)).toEqual([
        `../${c}.jpg zip_entry_unsafe_path`,
        '张三.jpg zip_entry_not_id_number',
        `${c}.png zip_entry_ratio`,
      ]);
      expect(Buffer.from(await z.read(z.byIdNumber.get(b)![0]!)).equals(photo)).toBe(true);
    } finally {
      z.close();
    }
  });

  it('refuses a ZIP with too many entries or too much inside, and one that is not a ZIP', async () => {
    const photo = await face();
    const zip = await zipOf(
      Array.from({ length: 5 }, () => ({ name: `${validIdNumber()}.jpg`, bytes: photo })),
    );
    const limits = { maxEntries: 4, maxEntryBytes: 400 * 1024, maxTotalBytes: 1 << 30, maxRatio: 100 };
    await expect(PhotoZip.open(await file(zip), limits)).rejects.toMatchObject({
      code: 'zip_too_many_entries',
    });
    await expect(
      PhotoZip.open(await file(zip), { ...limits, maxEntries: 10, maxTotalBytes: photo.length * 3 }),
    ).rejects.toMatchObject({
      code: 'zip_too_large',
    });
    await expect(PhotoZip.open(await file('not a zip'))).rejects.toBeInstanceOf(PhotoZipError);
  });
});
