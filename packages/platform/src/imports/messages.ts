/**
 * Every reason an import gives for a row, a column or a photo, in Chinese (the labour
 * manager reading the report) and English, under a stable code scripts can match. One
 * catalogue, so a reason is worded once and the report never carries a stack trace.
 */
import type { RosterField } from './roster-columns.js';

type Params = Record<string, string | number>;
type Wording = { en: (p: Params) => string; zh: (p: Params) => string };

const MESSAGES = {
  name_missing: { en: () => 'the name is empty', zh: () => '姓名为空' },
  id_number_missing: { en: () => 'the ID number is empty', zh: () => '身份证号为空' },
  id_number_format: {
    en: () => 'an ID number is 18 characters: 17 digits and a digit or X',
    zh: () => '身份证号应为18位：17位数字加1位数字或X',
  },
  id_number_birth_date: {
    en: () => 'the birth date within the ID number is not a real date',
    zh: () => '身份证号中的出生日期无效',
  },
  id_number_check_digit: {
    en: () => 'the ID number’s check digit is wrong (GB 11643): a character was mistyped',
    zh: () => '身份证号校验位错误（GB 11643），请核对号码',
  },
  id_number_region: {
    en: () => 'the ID number’s first two digits are no province code of GB/T 2260',
    zh: () => '身份证号前两位不是有效的省级行政区划代码（GB/T 2260）',
  },
  ethnicity_invalid: {
    en: () => 'the ethnicity is not on the GB/T 3304 list (e.g. 汉, 回, 壮)',
    zh: () => '民族不在 GB/T 3304 名录中（如：汉、回、壮）',
  },
  id_card_expired: {
    en: () => 'the ID card has expired',
    zh: () => '身份证已过有效期',
  },
  id_number_as_number: {
    en: () => 'the ID number was stored as a number and lost its last digits: format the column as text',
    zh: () => '身份证号被存为数字，末几位已丢失：请将该列设置为文本格式后重新填写',
  },
  id_number_duplicate: {
    en: (p) => `the same ID number as row ${p.row}`,
    zh: (p) => `与第 ${p.row} 行身份证号重复`,
  },
  gender_invalid: { en: () => 'the gender is 男 or 女 (male or female)', zh: () => '性别应为“男”或“女”' },
  gender_mismatch: {
    en: () => 'the gender disagrees with the ID number',
    zh: () => '性别与身份证号不符',
  },
  birth_date_mismatch: {
    en: () => 'the birth date disagrees with the ID number',
    zh: () => '出生日期与身份证号不符',
  },
  date_invalid: {
    en: () => 'not a date (write 2024-03-05)',
    zh: () => '日期无法识别（请写作 2024-03-05）',
  },
  valid_to_before_from: {
    en: () => 'the card’s validity ends before it starts',
    zh: () => '有效期止早于有效期起',
  },
  left_before_joined: {
    en: () => 'the leaving date is before the joining date',
    zh: () => '退场日期早于进场日期',
  },
  phone_invalid: {
    en: () => 'a mobile number is 11 digits starting with 1',
    zh: () => '手机号应为以1开头的11位数字',
  },
  text_too_long: {
    en: (p) => `longer than ${p.max} characters`,
    zh: (p) => `超过 ${p.max} 个字符`,
  },
  text_invalid: {
    en: () => 'contains control characters',
    zh: () => '含有不可见的控制字符',
  },
  unknown_column: {
    en: (p) => `the column “${p.header}” is not a roster field and was not read`,
    zh: (p) => `列“${p.header}”不是花名册字段，未导入`,
  },
  photo_missing: {
    en: () => 'no photo named by this ID number in the ZIP (a new worker needs a face photo)',
    zh: () => '照片压缩包中没有以该身份证号命名的照片（新人员必须有人脸照片）',
  },
  photo_ambiguous: {
    en: (p) => `more than one photo for this ID number in the ZIP (${p.entries})`,
    zh: (p) => `压缩包中该身份证号有多张照片（${p.entries}）`,
  },
  photo_too_large: {
    en: () => 'the photo is 400 KB or more (§1.2 asks less)',
    zh: () => '照片不小于 400KB（§1.2 要求小于 400KB）',
  },
  photo_bad_format: { en: () => 'the photo is not a JPG or PNG', zh: () => '照片不是 JPG 或 PNG 格式' },
  photo_undecodable: {
    en: () => 'the photo cannot be decoded (damaged or truncated)',
    zh: () => '照片无法解码（文件损坏或不完整）',
  },
  photo_too_small: {
    en: () => 'the photo is smaller than 128 × 128 pixels (§1.2)',
    zh: () => '照片小于 128×128 像素（§1.2）',
  },
  zip_entry_unsafe_path: {
    en: () => 'an absolute path or one with “..”: skipped',
    zh: () => '绝对路径或含“..”的路径：已跳过',
  },
  zip_entry_not_id_number: {
    en: () => 'not named <ID number>.jpg, .jpeg or .png: skipped',
    zh: () => '文件名不是“身份证号.jpg/.jpeg/.png”：已跳过',
  },
  zip_entry_encrypted: { en: () => 'encrypted: skipped', zh: () => '已加密：已跳过' },
  zip_entry_method: {
    en: () => 'compressed with a method other than deflate: skipped',
    zh: () => '压缩方式不是 deflate：已跳过',
  },
  zip_entry_ratio: {
    en: (p) => `compressed more than ${p.max} to 1 (a ZIP bomb?): skipped`,
    zh: (p) => `压缩比超过 ${p.max}:1（疑似压缩炸弹）：已跳过`,
  },
  zip_entry_unmatched: {
    en: () => 'no row of the roster has this ID number',
    zh: () => '花名册中没有该身份证号',
  },
  zip_entry_unreadable: {
    en: () => 'the entry cannot be read from the ZIP (damaged)',
    zh: () => '无法从压缩包读取该文件（已损坏）',
  },
  enrolment_rule: {
    en: (p) => `${p.message} (${p.rule}, measured ${p.value})`,
    zh: (p) => `未通过采集规则 ${p.rule}（测得 ${p.value}）：${p.message}`,
  },
  not_applied: {
    en: (p) => `not saved: ${p.reason}`,
    zh: (p) => `未能保存：${p.reason}`,
  },
} as const satisfies Record<string, Wording>;

export type ImportProblemCode = keyof typeof MESSAGES;

/** One reason, where it sits, in both languages. */
export interface ImportProblem {
  code: ImportProblemCode;
  /** The cell (`C7`), when the reason is one cell's; null for the row or a photo. */
  cell: string | null;
  field: RosterField | 'photo' | null;
  message: { zh: string; en: string };
  /** The enrolment rule's own code (face_count, id_number_check_digit, …), when a rule refused. */
  rule?: string;
  /** What that rule measured. */
  value?: string;
}

/** One failed enrolment rule (enrolment/check.ts) as a reason, at the cell given. */
export function ruleProblem(
  v: { code: string; message: string; value?: string | undefined },
  where: { cell?: string | null; field?: RosterField | 'photo' | null },
): ImportProblem {
  const value = v.value ?? '';
  if (v.code in MESSAGES)
    return { ...importProblem(v.code as ImportProblemCode, where), rule: v.code, value };
  return {
    ...importProblem('enrolment_rule', where, { rule: v.code, message: v.message, value }),
    rule: v.code,
    value,
  };
}

export function importProblem(
  code: ImportProblemCode,
  where: { cell?: string | null; field?: RosterField | 'photo' | null } = {},
  params: Params = {},
): ImportProblem {
  const w: Wording = MESSAGES[code];
  return {
    code,
    cell: where.cell ?? null,
    field: where.field ?? null,
    message: { zh: w.zh(params), en: w.en(params) },
  };
}
