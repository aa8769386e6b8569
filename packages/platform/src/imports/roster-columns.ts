/**
 * The columns of a roster (花名册): the §1.1(1) ID-card fields (身份证号、姓名、性别、民族、
 * 地址、有效期限、签发机关), phone, and the site assignment (参建单位、班组、工种、进场/退场日期).
 * Headers are matched in Chinese or English, whatever the spacing, case, a required-mark
 * `*` or a note in brackets (`身份证号（必填）`), so the sheets labour managers already keep
 * import as they are. A header that names no field is reported with its cell, never
 * silently dropped: the operator learns that a column they typed was not read.
 */

export const ROSTER_FIELDS = [
  'name',
  'idNumber',
  'gender',
  'ethnicity',
  'birthDate',
  'address',
  'issuingAuthority',
  'validFrom',
  'validTo',
  /** 有效期限 as the card prints it, "2015.01.01-2035.01.01": split into validFrom and validTo. */
  'validity',
  'phone',
  'company',
  'team',
  'trade',
  'joinedOn',
  'leftOn',
] as const;
export type RosterField = (typeof ROSTER_FIELDS)[number];

/** Columns a roster may carry that say nothing about the person (a running number). */
const IGNORED = ['序号', '编号', 'no', 'no.', '#', 'index', 'seq'];

/** Every spelling accepted for a field, compared after normalizeHeader. */
const ALIASES: Record<RosterField, readonly string[]> = {
  name: ['姓名', '名字', '工人姓名', '人员姓名', 'name'],
  idNumber: [
    '身份证号',
    '身份证号码',
    '公民身份号码',
    '身份证',
    '证件号码',
    '证件号',
    'idnumber',
    'idcard',
    'idcardnumber',
  ],
  gender: ['性别', 'gender', 'sex'],
  ethnicity: ['民族', 'ethnicity', 'nation', 'nationality'],
  birthDate: ['出生日期', '出生年月日', '出生', 'birthdate', 'dateofbirth', 'birthday'],
  address: ['住址', '地址', '家庭住址', '户籍地址', '身份证地址', 'address'],
  issuingAuthority: ['签发机关', '发证机关', 'issuingauthority', 'issuer'],
  validFrom: ['有效期起', '有效期开始', '有效期起始日期', '证件有效期起', '有效期限起', 'validfrom'],
  validTo: ['有效期止', '有效期至', '有效期结束', '有效期截止日期', '证件有效期止', '有效期限止', 'validto'],
  validity: ['有效期限', '有效期', '证件有效期', 'validity'],
  phone: ['手机号', '手机号码', '手机', '联系电话', '电话', '联系方式', 'phone', 'mobile', 'phonenumber'],
  company: ['参建单位', '分包单位', '所属单位', '劳务公司', '单位', '单位名称', 'company', 'subcontractor'],
  team: ['班组', '班组名称', '所属班组', 'team'],
  trade: ['工种', 'trade', 'worktype'],
  joinedOn: ['进场日期', '进场时间', '入场日期', 'joinedon', 'joindate'],
  leftOn: ['退场日期', '退场时间', '离场日期', 'lefton', 'leavedate'],
};

/** The header as compared: no spaces, no `*`, no bracketed note, lower case. */
export function normalizeHeader(raw: string): string {
  return raw
    .normalize('NFKC') // full-width （）＊ and letters to their ASCII forms
    .replace(/\(.*?\)|\[.*?\]|【.*?】/g, '')
    .replace(/[\s*_:：-]/g, '')
    .toLowerCase();
}

const BY_ALIAS = new Map<string, RosterField>();
for (const field of ROSTER_FIELDS)
  for (const alias of ALIASES[field]) BY_ALIAS.set(normalizeHeader(alias), field);
const IGNORED_SET = new Set(IGNORED.map(normalizeHeader));

/** The field a header names, 'ignored' for a running number, undefined when unknown. */
export function fieldOfHeader(raw: string): RosterField | 'ignored' | undefined {
  const h = normalizeHeader(raw);
  if (h === '') return undefined;
  if (IGNORED_SET.has(h)) return 'ignored';
  return BY_ALIAS.get(h);
}

/** The spreadsheet's letters for a 0-based column index: 0 → A, 26 → AA. */
export function columnLetter(index: number): string {
  let s = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26))
    s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** The cell reference an operator finds in Excel: `C7`. */
export const cellRef = (column: number, row: number): string => `${columnLetter(column)}${row}`;

/** The header row's reading: which column holds which field. */
export interface RosterHeader {
  /** The spreadsheet row number of the header (1-based). */
  row: number;
  /** 0-based column index of each field present. */
  columns: Partial<Record<RosterField, number>>;
  /** Headers that name no field, reported to the operator. */
  unknown: { cell: string; header: string }[];
  /** Two columns naming one field: the import cannot tell which to read. */
  duplicate: { cell: string; header: string; field: RosterField }[];
}

/** The fields without which a row cannot be imported at all. */
export const REQUIRED_FIELDS: readonly RosterField[] = ['name', 'idNumber'];

/**
 * Reads a row as a header if it names every required field. Rosters often carry a title
 * row ("XX项目工人花名册") above the header, so the caller tries the first few rows.
 */
export function readHeader(cells: readonly string[], row: number): RosterHeader | undefined {
  const header: RosterHeader = { row, columns: {}, unknown: [], duplicate: [] };
  cells.forEach((raw, i) => {
    const text = raw.trim();
    if (text === '') return;
    const field = fieldOfHeader(text);
    if (field === 'ignored') return;
    if (field === undefined) header.unknown.push({ cell: cellRef(i, row), header: text });
    else if (header.columns[field] !== undefined)
      header.duplicate.push({ cell: cellRef(i, row), header: text, field });
    else header.columns[field] = i;
  });
  return REQUIRED_FIELDS.every((f) => header.columns[f] !== undefined) ? header : undefined;
}

/** The template's header row, in the order docs/roster-template.csv has it. */
export const TEMPLATE_HEADERS_ZH = [
  '姓名',
  '身份证号',
  '性别',
  '民族',
  '出生日期',
  '住址',
  '签发机关',
  '有效期起',
  '有效期止',
  '手机号',
  '参建单位',
  '班组',
  '工种',
  '进场日期',
  '退场日期',
] as const;
