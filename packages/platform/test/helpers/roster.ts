/**
 * Roster import inputs for tests: valid ID numbers (GB 11643 check digit), rosters as CSV
 * (UTF-8 or GBK) and XLSX, ZIPs of photos, and a multipart POST to /api/v1/imports.
 */
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { idNumberCheckChar } from '../../src/domain/id-number.js';
import type { ApiAnswer, ApiClient, Json } from './api.js';

let seq = 0;
/**
 * An 18-character ID number with the right check character, unique in the test process.
 * `female` picks an even sequence digit; the birth date is 1990-01-01 plus the count.
 */
export function validIdNumber(opts: { female?: boolean } = {}): string {
  const n = ++seq;
  const day = new Date(Date.UTC(1980, 0, 1) + (n % 7000) * 86_400_000);
  const ymd = day.toISOString().slice(0, 10).replaceAll('-', '');
  const region = String(330100 + Math.floor(n / 7000) * 2 + (process.pid % 50) * 100).slice(0, 6);
  const order = String((n * 2 + (opts.female ? 0 : 1)) % 1000).padStart(3, '0');
  const first17 = `${region}${ymd}${order}`;
  return first17 + idNumberCheckChar(first17);
}

/** The same number with a wrong check character. */
export function withBadCheckDigit(id: string): string {
  const right = id[17]!;
  return id.slice(0, 17) + (right === '0' ? '1' : '0');
}

export type Cells = (string | number | Date | null)[];

export function csvOf(rows: Cells[]): string {
  const esc = (v: string | number | Date | null) => {
    const s = v === null ? '' : v instanceof Date ? v.toISOString().slice(0, 10) : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return `${rows.map((r) => r.map(esc).join(',')).join('\r\n')}\r\n`;
}

let gbkTable: Map<string, number[]> | undefined;
/**
 * Text as GBK bytes, as Excel in China saves "CSV" by default. Node decodes GB18030 but
 * has no encoder, so the table is the decoder's, inverted over every two-byte code.
 */
export function gbk(text: string): Buffer {
  if (!gbkTable) {
    gbkTable = new Map();
    const d = new TextDecoder('gb18030');
    for (let a = 0x81; a <= 0xfe; a++)
      for (let b = 0x40; b <= 0xfe; b++) {
        if (b === 0x7f) continue;
        const ch = d.decode(new Uint8Array([a, b]));
        if (ch.length === 1 && !gbkTable.has(ch)) gbkTable.set(ch, [a, b]);
      }
  }
  const out: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) out.push(code);
    else {
      const bytes = gbkTable.get(ch);
      if (!bytes) throw new Error(`no GBK code for ${ch}`);
      out.push(...bytes);
    }
  }
  return Buffer.from(out);
}

export async function xlsxOf(rows: Cells[], opts: { idAsNumber?: boolean } = {}): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('花名册');
  for (const r of rows) ws.addRow(r);
  if (opts.idAsNumber) {
    // The column typed as numbers, as happens when someone pastes ID numbers into "General".
    ws.getColumn(2).eachCell((cell, n) => {
      if (n > 1 && typeof cell.value === 'string' && /^\d{18}$/.test(cell.value))
        cell.value = Number(cell.value);
    });
  }
  wb.addWorksheet('说明').addRow(['This second sheet must be ignored']);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export interface ZipEntry {
  name: string;
  bytes: Uint8Array;
  /** Stored (no compression) unless set. */
  deflate?: boolean;
}

export async function zipOf(entries: ZipEntry[]): Promise<Buffer> {
  const zip = new JSZip();
  for (const e of entries)
    zip.file(e.name, e.bytes, { compression: e.deflate ? 'DEFLATE' : 'STORE', createFolders: false });
  return zip.generateAsync({ type: 'nodebuffer', platform: 'UNIX' });
}

export interface ImportForm {
  siteId?: string;
  mode?: string;
  roster?: { bytes: Uint8Array | string; name: string };
  photos?: { bytes: Uint8Array; name: string };
  extra?: Record<string, string>;
}

/** POST /api/v1/imports as a browser's FormData would send it. */
export async function postImport(
  api: ApiClient,
  form: ImportForm,
  headers: Record<string, string> = {},
): Promise<ApiAnswer<Json>> {
  const fd = new FormData();
  if (form.siteId !== undefined) fd.append('siteId', form.siteId);
  if (form.mode !== undefined) fd.append('mode', form.mode);
  for (const [k, v] of Object.entries(form.extra ?? {})) fd.append(k, v);
  if (form.roster) fd.append('roster', new Blob([Buffer.from(form.roster.bytes)]), form.roster.name);
  if (form.photos) fd.append('photos', new Blob([Buffer.from(form.photos.bytes)]), form.photos.name);
  const res = await fetch(`${api.base}/api/v1/imports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.token}`, ...headers },
    body: fd,
  });
  const text = await res.text();
  const body = (res.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) : text;
  return { status: res.status, headers: res.headers, body, text };
}

/** Polls GET /imports/{id} until it is no longer running. */
export async function waitImport(api: ApiClient, id: string, timeoutMs = 600_000): Promise<Json> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await api.call('GET', `/api/v1/imports/${id}`);
    if (r.status !== 200) throw new Error(`GET import ${id}: ${r.status} ${r.text}`);
    if (r.body.status !== 'running') return r.body;
    if (Date.now() > until) throw new Error(`import ${id} still running`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** Every row of an import's report, page after page. */
export async function reportRows(api: ApiClient, id: string, query = ''): Promise<Json[]> {
  const out: Json[] = [];
  let cursor: string | null = null;
  do {
    const q: string = `?limit=500${query}${cursor ? `&cursor=${cursor}` : ''}`;
    const r = await api.call('GET', `/api/v1/imports/${id}/rows${q}`);
    if (r.status !== 200) throw new Error(`rows ${id}: ${r.status} ${r.text}`);
    out.push(...r.body.items);
    cursor = r.body.nextCursor;
  } while (cursor);
  return out;
}
