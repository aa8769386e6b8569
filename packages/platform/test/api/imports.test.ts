/**
 * POST /api/v1/imports over real HTTP on every backend: a roster with good and bad rows
 * and a ZIP of photos; the dry run reports every row (the cell and the reason) and writes
 * nothing; the apply creates, sends the site's devices one task each, and is audited; the
 * same file again changes nothing; a later roster updates fields and assigns a worker
 * enrolled on another site; bad requests are problems; a slow import is a job to poll.
 */
import { face } from '@kaoqin/testkit';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceRow, SiteRow } from '../../src/store/index.js';
import { type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';
import {
  csvOf,
  gbk,
  postImport,
  reportRows,
  validIdNumber,
  waitImport,
  withBadCheckDigit,
  xlsxOf,
  zipOf,
} from '../helpers/roster.js';

const HEADER = ['姓名', '身份证号', '性别', '手机号', '参建单位', '班组', '工种', '进场日期', '备注'];

async function smallPhoto(): Promise<Buffer> {
  return sharp({ create: { width: 80, height: 80, channels: 3, background: { r: 10, g: 20, b: 30 } } })
    .jpeg()
    .toBuffer();
}

describe.each(BACKENDS)('imports ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let site: SiteRow;
  let other: SiteRow;
  let devices: DeviceRow[];
  let stranger: DeviceRow;
  const ids = { a: '', b: '', small: '', nophoto: '', bad: '', missingName: '' };
  let roster: Buffer;
  let photos: Buffer;

  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
    const data = p.platform.data;
    site = await data.persons.createSite('西湖工地');
    other = await data.persons.createSite('滨江工地');
    devices = [
      await data.devices.preRegister(p.creds.vendorId, 'SN-IMP-1', { siteId: site.id }),
      await data.devices.preRegister(p.creds.vendorId, 'SN-IMP-2', { siteId: site.id }),
    ];
    stranger = await data.devices.preRegister(p.creds.vendorId, 'SN-IMP-3', { siteId: other.id });
    ids.a = validIdNumber();
    ids.b = validIdNumber({ female: true });
    ids.small = validIdNumber();
    ids.nophoto = validIdNumber();
    ids.bad = validIdNumber();
    ids.missingName = validIdNumber();
    roster = await xlsxOf([
      HEADER,
      ['张三', ids.a, '男', '13800138000', '杭州建工', '木工一班', '木工', '2024-03-05', '班长'], // row 2: good
      ['李四', ids.b, '女', '', '杭州建工', '钢筋班', '钢筋工', '', ''], // row 3: good, PNG in a folder
      ['王五', withBadCheckDigit(ids.bad), '', '', '', '', '', '', ''], // row 4: check digit
      ['', ids.missingName, '', '', '', '', '', '', ''], // row 5: no name
      ['赵六', ids.small, '', '', '', '', '', '', ''], // row 6: photo too small
      ['钱七', ids.nophoto, '', '', '', '', '', '', ''], // row 7: no photo
      ['孙八', ids.a, '', '', '', '', '', '', ''], // row 8: the same ID as row 2
    ]);
    const png = await sharp(await face())
      .png()
      .toBuffer();
    photos = await zipOf([
      { name: `${ids.a}.jpg`, bytes: await face() },
      { name: `照片/钢筋班/${ids.b}.PNG`, bytes: png },
      { name: `${ids.small}.jpg`, bytes: await smallPhoto() },
      { name: `${ids.missingName}.jpg`, bytes: await face() },
      { name: `${validIdNumber()}.jpg`, bytes: await face() }, // nobody's
    ]);
  });
  afterAll(() => p.stop());

  const form = (mode: string) => ({
    siteId: site.id,
    mode,
    roster: { bytes: roster, name: '花名册.xlsx' },
    photos: { bytes: photos, name: 'photos.zip' },
  });
  const tasksOf = (d: DeviceRow) => p.platform.data.store.tasks.listForDevice(d.id);
  const byRow = (rows: Json[]) => Object.fromEntries(rows.map((r: Json) => [r.row, r]));
  const cells = (r: Json) => r.problems.map((x: Json) => `${x.cell ?? x.field} ${x.code}`);

  it('dry-run: every row reported with the cell and reason, nothing written', async () => {
    const r = await postImport(p.api, form('dry-run'));
    expect(r.status).toBe(200);
    expect(r.headers.get('location')).toBe(`/api/v1/imports/${r.body.id}`);
    expect(r.body).toMatchObject({
      siteId: site.id,
      mode: 'dry-run',
      status: 'done',
      roster: { name: '花名册.xlsx', format: 'xlsx' },
      progress: { done: 7, total: 7 },
      totals: { created: 2, updated: 0, unchanged: 0, failed: 5 },
      tasks: 0,
    });
    const rows = byRow(r.body.rows);
    expect(rows[2]).toMatchObject({ status: 'created', personId: null, problems: [] });
    expect(rows[3]).toMatchObject({ status: 'created' });
    expect(cells(rows[4])).toEqual(['B4 id_number_check_digit']);
    expect(cells(rows[5])).toEqual(['A5 name_missing']);
    expect(cells(rows[6])).toEqual(['photo photo_too_small']);
    expect(cells(rows[7])).toEqual(['photo photo_missing']);
    expect(cells(rows[8])).toEqual(['B8 id_number_duplicate']);
    expect(rows[8].problems[0].message).toEqual({
      zh: '与第 2 行身份证号重复',
      en: 'the same ID number as row 2',
    });
    // The column nobody reads and the photo nobody has, each said once, ID numbers masked.
    const notes = r.body.notes.map((n: Json) => `${n.cell ?? n.entry} ${n.code}`);
    expect(notes).toContain('I1 unknown_column');
    expect(notes.filter((n: string) => n.endsWith('zip_entry_unmatched'))).toEqual([
      expect.stringMatching(/^\d{6}\*{8}\d{3}[\dX]\.jpg /),
    ]);
    expect(JSON.stringify(r.body)).not.toContain(ids.a);

    expect(await p.platform.data.persons.findByIdNumber(ids.a)).toBeUndefined();
    for (const d of devices) expect(await tasksOf(d)).toEqual([]);
  });

  it('apply: creates the good rows, one task per device of the site, audited', async () => {
    const r = await postImport(p.api, form('apply'));
    expect(r.status).toBe(201);
    expect(r.body.totals).toEqual({ created: 2, updated: 0, unchanged: 0, failed: 5 });
    const rows = byRow(r.body.rows);
    const a = await p.platform.data.persons.findByIdNumber(ids.a);
    expect(rows[2]).toMatchObject({ status: 'created', personId: a!.id });
    expect(p.platform.data.persons.pii(a!)).toMatchObject({
      idNumber: ids.a,
      gender: '男',
      phone: '13800138000',
    });
    const [assignment] = await p.platform.data.persons.assignments.activeOf(a!.id);
    expect(assignment).toMatchObject({
      siteId: site.id,
      company: '杭州建工',
      team: '木工一班',
      trade: '木工',
      joinedOn: '2024-03-05',
    });
    expect(await p.platform.data.persons.findByIdNumber(ids.small)).toBeUndefined();

    expect(r.body.tasks).toBe(2);
    for (const d of devices) {
      const tasks = await tasksOf(d);
      expect(tasks.map((t) => t.apicode)).toEqual(['T_UPDATE_DEVICE_PERSON']);
      const items = await p.platform.data.store.tasks.allItems(tasks[0]!.id);
      expect(items.map((i) => i.personId).sort()).toEqual([a!.id, rows[3].personId].sort());
    }
    expect(await tasksOf(stranger)).toEqual([]);

    const audit = await p.api.call('GET', '/api/v1/audit?action=import.apply');
    expect(audit.body.items[0]).toMatchObject({
      actor: 'admin',
      resource: 'import',
      resourceId: r.body.id,
      siteId: site.id,
      detail: { status: 'done', rows: 7, created: 2, updated: 0, unchanged: 0, failed: 5, tasks: 2 },
    });
  });

  it('apply again: nothing new, every good row unchanged, no task', async () => {
    const r = await postImport(p.api, form('apply'));
    expect(r.status).toBe(201);
    expect(r.body.totals).toEqual({ created: 0, updated: 0, unchanged: 2, failed: 5 });
    expect(r.body.tasks).toBe(0);
    for (const d of devices) expect(await tasksOf(d)).toHaveLength(1);
  });

  it('a later roster (GBK CSV) updates fields and assigns a worker enrolled on another site', async () => {
    const elsewhere = validIdNumber();
    await p.platform.data.persons.add({
      siteId: other.id,
      name: '周九',
      idNumber: elsewhere,
      photos: [await face()],
    });
    const csv = gbk(
      csvOf([
        ['姓名', '身份证号', '手机号', '班组'],
        ['张三', ids.a, '13900139000', '木工二班'],
        ['周九', elsewhere, '', '杂工班'],
      ]),
    );
    const before = await p.platform.data.persons.findByIdNumber(ids.a);
    const r = await postImport(p.api, {
      siteId: site.id,
      mode: 'apply',
      roster: { bytes: csv, name: 'roster.csv' },
      photos: { bytes: await zipOf([{ name: `${ids.a}.jpg`, bytes: await face() }]), name: 'p.zip' },
    });
    expect(r.status).toBe(201);
    expect(r.body.roster.format).toBe('csv');
    expect(r.body.totals).toEqual({ created: 0, updated: 2, unchanged: 0, failed: 0 });
    expect(r.body.rows[0].changes).toEqual(['phone', 'photo', 'assignment.team']);
    expect(r.body.rows[1].changes).toEqual(['assignment']);
    const after = await p.platform.data.persons.findByIdNumber(ids.a);
    expect(after!.photoKeys).toHaveLength(1);
    expect(after!.photoKeys).not.toEqual(before!.photoKeys);
    expect(p.platform.data.persons.pii(after!).phone).toBe('13900139000');
    const moved = await p.platform.data.persons.findByIdNumber(elsewhere);
    const sites = (await p.platform.data.persons.assignments.activeOf(moved!.id)).map((x) => x.siteId).sort();
    expect(sites).toEqual([site.id, other.id].sort());
    // The devices have not fetched their task yet: the changes joined it.
    for (const d of devices) {
      const tasks = await tasksOf(d);
      expect(tasks).toHaveLength(1);
      const items = await p.platform.data.store.tasks.allItems(tasks[0]!.id);
      expect(items.map((i) => i.personId)).toContain(moved!.id);
    }
  });

  it('confines site managers to their sites and refuses auditors', async () => {
    const mk = async (username: string, role: string, siteIds: string[]) => {
      const c = await p.api.call('POST', '/api/v1/accounts', {
        body: { username, role, siteIds, password: 'password-1234' },
      });
      expect(c.status).toBe(201);
      return p.api.as(await p.api.login(username, 'password-1234'));
    };
    const mine = await mk('imp-sm-mine', 'site_manager', [site.id]);
    const theirs = await mk('imp-sm-theirs', 'site_manager', [other.id]);
    const auditor = await mk('imp-auditor', 'auditor', []);
    expect((await postImport(mine, form('dry-run'))).status).toBe(200);
    const refused = await postImport(theirs, form('dry-run'));
    expect(refused.status).toBe(404);
    expect(refused.body.code).toBe('not_found');
    expect((await postImport(auditor, form('dry-run'))).status).toBe(403);
    const list = await theirs.call('GET', '/api/v1/imports');
    expect(list.body.items).toEqual([]);
    const one = (await p.api.call('GET', '/api/v1/imports?limit=1')).body.items[0];
    expect((await theirs.call('GET', `/api/v1/imports/${one.id}`)).status).toBe(404);
    expect((await auditor.call('GET', `/api/v1/imports/${one.id}/rows`)).status).toBe(200);
  });

  it('answers bad requests with problems', async () => {
    const noRoster = await postImport(p.api, { siteId: site.id, mode: 'apply' });
    expect(noRoster.status).toBe(400);
    expect(noRoster.body.errors).toEqual([{ path: 'body.roster', message: expect.any(String) }]);
    const badMode = await postImport(p.api, { ...form('x'), mode: 'now' });
    expect(badMode.body.errors[0].path).toBe('body.mode');
    const unknown = await postImport(p.api, { ...form('dry-run'), extra: { color: 'red' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].path).toBe('body.color');
    const noSite = await postImport(p.api, { ...form('dry-run'), siteId: '999' });
    expect(noSite.status).toBe(404);
    const xls = Buffer.alloc(512);
    xls.writeUInt32BE(0xd0cf11e0, 0);
    const old = await postImport(p.api, { ...form('dry-run'), roster: { bytes: xls, name: 'a.xls' } });
    expect(old.status, old.text).toBe(422);
    expect(old.body.errors[0].path, old.text).toBe('body.roster');
    const notZip = await postImport(p.api, {
      ...form('dry-run'),
      photos: { bytes: Buffer.from('no'), name: 'p.zip' },
    });
    expect(notZip.status, notZip.text).toBe(422);
    expect(notZip.body.errors[0].path, notZip.text).toBe('body.photos');
    const json = await p.api.call('POST', '/api/v1/imports', { body: { siteId: site.id } });
    expect(json.status).toBe(415);
    const list = await p.api.call('GET', '/api/v1/imports?cursor=nope');
    expect(list.status).toBe(400);
  });

  it('refuses an upload over maxImportBytes, and runs as a job polled when it takes longer than importWaitMs', async () => {
    const small = await startApiPlatform(
      { 'max-import-bytes': String(256 * 1024), 'import-wait-ms': '0' },
      { pg },
    );
    try {
      const s = await small.platform.data.persons.createSite('小工地');
      const big = await postImport(small.api, {
        siteId: s.id,
        mode: 'dry-run',
        roster: { bytes: csvOf([['姓名', '身份证号']]), name: 'r.csv' },
        photos: { bytes: Buffer.alloc(300 * 1024), name: 'p.zip' },
      });
      expect(big.status).toBe(413);
      expect(big.body.code).toBe('payload_too_large');

      const id = validIdNumber();
      // Enough rows that the job is certainly still running when the answer is composed
      // (a two-row job could end first, and then the answer is rightly the finished one).
      const bad = Array.from({ length: 400 }, () => ['李四', '123']);
      const r = await postImport(small.api, {
        siteId: s.id,
        mode: 'apply',
        roster: {
          bytes: csvOf([['姓名', '身份证号'], ['张三', id], ...bad]),
          name: 'r.csv',
        },
        photos: { bytes: await zipOf([{ name: `${id}.jpg`, bytes: await face() }]), name: 'p.zip' },
      });
      expect(r.status).toBe(202);
      expect(r.body.status).toBe('running');
      const done = await waitImport(small.api, r.body.id);
      expect(done).toMatchObject({
        status: 'done',
        totals: { created: 1, failed: 400 },
        progress: { done: 401, total: 401 },
      });
      const failed = await reportRows(small.api, r.body.id, '&status=failed');
      expect(failed.map((x: Json) => x.row)).toEqual(bad.map((_, i) => i + 3));
      expect(failed[0].problems[0]).toMatchObject({ cell: 'B3', code: 'id_number_format' });
    } finally {
      await small.stop();
    }
  });
});
