/**
 * The columns of an attendance export, in order, with headers in Chinese (the default:
 * the people who open these sheets are labour managers) and English. Time columns give
 * epoch ms; each format writes them its own way (attendance-export.ts).
 */
import type { AttendanceRecord, UploadClass } from '../../store/index.js';
import { ATTENDANCE_TYPES } from './attendance-view.js';

export type ExportLang = 'zh' | 'en';

export interface RowContext {
  persons: ReadonlyMap<string, string>;
  sites: ReadonlyMap<string, string>;
}

export interface Column {
  key: string;
  header: string;
  width: number;
  /** The value is epoch ms of a time. */
  time?: true;
  value(r: AttendanceRecord, ctx: RowContext): string | number | null;
}

interface ColumnDef {
  key: string;
  zh: string;
  en: string;
  width: number;
  time?: true;
  value(r: AttendanceRecord, ctx: RowContext, lang: ExportLang): string | number | null;
}

const typeName = (bit: number, lang: ExportLang): string => ATTENDANCE_TYPES[bit]?.[lang] ?? String(bit);

/** The types a bitType combines, by name: 3 → 人脸+IC卡. */
function bitNames(bits: number | null, lang: ExportLang): string | null {
  if (bits === null) return null;
  const names: string[] = [];
  for (let bit = 1; bit <= 64; bit <<= 1) if (bits & bit) names.push(typeName(bit, lang));
  return names.join('+');
}

const PHOTO: Record<ExportLang, Record<'yes' | 'no' | 'expired' | 'erased', string>> = {
  zh: { yes: '有', no: '无', expired: '已过期删除', erased: '已随人员删除' },
  en: { yes: 'yes', no: 'no', expired: 'expired', erased: 'erased' },
};

/** The 10-second clause's classes (docs/attendance-rules.md). */
const UPLOAD: Record<ExportLang, Record<UploadClass, string>> = {
  zh: { live: '实时', late: '延迟', backlog: '断网补传' },
  en: { live: 'live', late: 'late', backlog: 'backlog' },
};

const DEFS: readonly ColumnDef[] = [
  { key: 'id', zh: '记录ID', en: 'Record ID', width: 22, value: (r) => r.id },
  {
    key: 'recordTime',
    zh: '考勤时间',
    en: 'Clock-in time',
    width: 20,
    time: true,
    value: (r) => r.recordTime,
  },
  { key: 'personId', zh: '人员ID', en: 'Person ID', width: 22, value: (r) => r.personId },
  {
    key: 'personName',
    zh: '姓名',
    en: 'Name',
    width: 12,
    value: (r, c) => c.persons.get(r.personId) ?? null,
  },
  { key: 'siteId', zh: '工地ID', en: 'Site ID', width: 38, value: (r) => r.siteId },
  {
    key: 'siteName',
    zh: '工地',
    en: 'Site',
    width: 24,
    value: (r, c) => (r.siteId === null ? null : (c.sites.get(r.siteId) ?? null)),
  },
  { key: 'deviceSn', zh: '设备序列号', en: 'Device SN', width: 20, value: (r) => r.sn },
  { key: 'type', zh: '考勤方式', en: 'Method', width: 10, value: (r, _c, l) => typeName(r.type, l) },
  { key: 'typeCode', zh: '方式代码', en: 'Type', width: 8, value: (r) => r.type },
  {
    key: 'bitType',
    zh: '组合方式',
    en: 'Combined methods',
    width: 16,
    value: (r, _c, l) => bitNames(r.bitType, l),
  },
  {
    key: 'realName',
    zh: '实名考勤',
    en: 'Real-name',
    width: 8,
    value: (r, _c, l) => (r.realName ? (l === 'zh' ? '是' : 'yes') : l === 'zh' ? '否' : 'no'),
  },
  {
    key: 'flags',
    zh: '标记',
    en: 'Flags',
    width: 20,
    value: (r) => (r.flags.length > 0 ? r.flags.join(';') : null),
  },
  { key: 'temperature', zh: '体温', en: 'Temperature', width: 8, value: (r) => r.temperature },
  { key: 'lat', zh: '纬度', en: 'Latitude', width: 12, value: (r) => r.latitude },
  { key: 'lng', zh: '经度', en: 'Longitude', width: 12, value: (r) => r.longitude },
  {
    key: 'coordinateAccuracyM',
    zh: '定位精度(米)',
    en: 'Position accuracy (m)',
    width: 10,
    value: (r) => r.coordinateAccuracyM,
  },
  {
    key: 'fenceDistanceM',
    zh: '距围栏(米)',
    en: 'Outside fence (m)',
    width: 10,
    value: (r) => r.fenceDistanceM,
  },
  { key: 'qrCodeInfo', zh: '二维码信息', en: 'QR code info', width: 24, value: (r) => r.qrCodeInfo },
  { key: 'receivedAt', zh: '接收时间', en: 'Received at', width: 20, time: true, value: (r) => r.receivedAt },
  { key: 'latencyMs', zh: '上传延迟(毫秒)', en: 'Upload delay (ms)', width: 10, value: (r) => r.latencyMs },
  {
    key: 'uploadClass',
    zh: '上传类别',
    en: 'Upload',
    width: 8,
    value: (r, _c, l) => (r.uploadClass === null ? null : UPLOAD[l][r.uploadClass]),
  },
  {
    key: 'photo',
    zh: '照片',
    en: 'Photo',
    width: 10,
    value: (r, _c, l) => PHOTO[l][r.photoKey !== null ? 'yes' : (r.photoRemoved ?? 'no')],
  },
];

export function columnsFor(lang: ExportLang): Column[] {
  return DEFS.map((d) => ({
    key: d.key,
    header: d[lang],
    width: d.width,
    ...(d.time ? { time: true as const } : {}),
    value: (r, ctx) => d.value(r, ctx, lang),
  }));
}
