/**
 * Changing a worker on their page, in a real browser against a real platform: the details
 * edited (the current ones loaded through the audited identity read) with the etag as
 * If-Match, where a save after someone else's is the API's 412, shown, and saved after a
 * reload without losing the other change; a picture that is not an image is refused with
 * the API's rule code, and a real photo then replaces the face photos; a site manager may
 * edit but not erase, an auditor neither; an erasure confirmed in its dialog leaves the
 * API's tombstone on the page.
 */
import { idNumber, makePhoto } from '@kaoqin/testkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, expectNoBrowserErrors, launchBrowser, login, openPage } from './support/browser';
import { ADMIN_PASSWORD, type ConsolePlatform, startConsolePlatform } from './support/platform';

const skip = browserSkipReason();

interface Person {
  personId: string;
  name: string | null;
  status: string;
  photoCount: number;
  photos: { url: string }[];
  etag: string;
}

describe.skipIf(skip)('worker edit, photos, erasure (Chromium)', () => {
  let p: ConsolePlatform;
  let browser: Browser;
  let personId: string;

  beforeAll(async () => {
    p = await startConsolePlatform();
    browser = await launchBrowser();
    const site = (await p.api.call<{ id: string }>('POST', '/sites', { name: '编辑测试工地' })).id;
    personId = (
      await p.api.call<Person>('POST', '/persons', {
        name: '赵编辑',
        idNumber: idNumber(),
        gender: '男',
        address: '杭州市测试路1号',
        phone: '13800001111',
        photos: [(await makePhoto(1001)).toString('base64')],
        assignments: [{ siteId: site }],
      })
    ).personId;
    const accounts = [
      { username: 'mgr-w', role: 'site_manager', siteIds: [site] },
      { username: 'aud-w', role: 'auditor' },
      { username: 'op-w', role: 'operator' },
    ];
    for (const a of accounts)
      await p.api.call('POST', '/accounts', { ...a, password: `${a.username}-password` });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await p?.stop();
  });

  const person = () => p.api.call<Person>('GET', `/persons/${personId}`);
  /** A photo's stored key: its signed URL without the signature and expiry (they change each second). */
  const photoKey = (url: string | null) => url?.split('?')[0];

  async function workerPage(page: Page, username = 'admin', password = ADMIN_PASSWORD) {
    await login(page, p.url, username, password);
    await page.goto(`${p.url}/workers/${personId}`);
    await page.getByTestId('worker-name').waitFor();
  }

  const saveButton = (page: Page) => page.getByRole('dialog').getByRole('button', { name: /保\s*存/ });

  it('edits the details with If-Match; a save after someone else’s is a 412 until reloaded', async () => {
    const o = await openPage(browser);
    const { page } = o;
    await workerPage(page);
    await page.getByTestId('edit-person').click();
    const form = page.getByTestId('edit-person-form');
    await form.waitFor();
    await form.getByTestId('load-identity').click();
    await expect.poll(() => form.locator('#address').inputValue()).toBe('杭州市测试路1号');
    await form.locator('#name').fill('赵改名');
    await form.locator('#phone').fill('13900002222');

    // Someone else saves first, with the etag they read: the page's etag is now old.
    const { etag } = await person();
    const other = await fetch(`${p.url}/api/v1/persons/${personId}`, {
      method: 'PATCH',
      headers: {
        Authorization: `Bearer ${p.api.token}`,
        'Content-Type': 'application/json',
        'If-Match': etag,
      },
      body: JSON.stringify({ ethnicity: '汉' }),
    });
    expect(other.status).toBe(200);

    await saveButton(page).click();
    const stale = page.getByTestId('stale');
    await stale.waitFor();
    expect(await stale.textContent()).toContain('已被他人修改');
    expect((await p.api.call<{ name: string }>('GET', `/persons/${personId}/identity`)).name).toBe('赵编辑');
    await stale.getByRole('button').click();
    await stale.waitFor({ state: 'detached' });
    // What was typed stays; saved again on the new etag.
    expect(await form.locator('#name').inputValue()).toBe('赵改名');
    await saveButton(page).click();
    await form.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('worker-name').textContent()).toBe('赵改名');
    const id = await p.api.call<{ name: string; phone: string; ethnicity: string; address: string }>(
      'GET',
      `/persons/${personId}/identity`,
    );
    // Only the changed fields were sent: the other editor's ethnicity stays.
    expect(id).toMatchObject({
      name: '赵改名',
      phone: '13900002222',
      ethnicity: '汉',
      address: '杭州市测试路1号',
    });
    // The 412 the browser logs is the point of this step.
    expectNoBrowserErrors(o, [/412/]);
    await page.context().close();
  }, 120_000);

  it('shows the API refusing a picture that is no image, then replaces the face photos', async () => {
    const o = await openPage(browser);
    const { page } = o;
    await workerPage(page);
    const before = photoKey((await person()).photos[0]!.url);

    await page.getByTestId('replace-photos').click();
    const form = page.getByTestId('photos-form');
    await form.waitFor();
    await form.locator('input[type=file]').setInputFiles({
      name: 'face.jpg',
      mimeType: 'image/jpeg',
      buffer: Buffer.from('not a picture at all'),
    });
    // Saved only once the upload lists the file: a click before that meets the form's own
    // "a face photo is required" and never reaches the API (a flake on a fast machine).
    await form.locator('.ant-upload-list-item').first().waitFor();
    await saveButton(page).click();
    const refused = page.getByTestId('photos-refused');
    await refused.waitFor();
    expect(await refused.textContent()).toContain('照片 1');
    expect(await refused.textContent()).toContain('photo_bad_format');
    expect(photoKey((await person()).photos[0]!.url)).toBe(before);

    // A fresh dialog, a real photo.
    await page
      .getByRole('dialog')
      .getByRole('button', { name: /取\s*消/ })
      .click();
    await form.waitFor({ state: 'detached' });
    await page.getByTestId('replace-photos').click();
    await form.waitFor();
    await form
      .locator('input[type=file]')
      .setInputFiles({ name: 'face.jpg', mimeType: 'image/jpeg', buffer: await makePhoto(1002) });
    await form.locator('.ant-upload-list-item').first().waitFor();
    await saveButton(page).click();
    await form.waitFor({ state: 'detached' });
    const after = await person();
    expect(after.photoCount).toBe(1);
    expect(photoKey(after.photos[0]!.url)).not.toBe(before);
    const img = page.locator('img[alt="人脸照片 1"]');
    await expect
      .poll(async () => photoKey(await img.getAttribute('src')))
      .toBe(photoKey(after.photos[0]!.url));
    // The refusal's 400 is this test's doing.
    expectNoBrowserErrors(o, [/400/]);
    await page.context().close();
  }, 120_000);

  it('offers a site manager edit but not erasure, an auditor neither', async () => {
    const m = await openPage(browser);
    await workerPage(m.page, 'mgr-w', 'mgr-w-password');
    await m.page.getByTestId('edit-person').waitFor();
    expect(await m.page.getByTestId('replace-photos').count()).toBe(1);
    expect(await m.page.getByTestId('erase-person').count()).toBe(0);
    expectNoBrowserErrors(m);
    await m.page.context().close();

    const a = await openPage(browser);
    await workerPage(a.page, 'aud-w', 'aud-w-password');
    await a.page.getByTestId('assignments').waitFor();
    for (const id of ['edit-person', 'replace-photos', 'erase-person'])
      expect(await a.page.getByTestId(id).count()).toBe(0);
    expectNoBrowserErrors(a);
    await a.page.context().close();
  }, 120_000);

  it('erases the worker after a dialog that says what goes, and shows the erased state', async () => {
    const o = await openPage(browser);
    const { page } = o;
    await workerPage(page, 'op-w', 'op-w-password');
    await page.getByTestId('erase-person').click();
    const dialog = page.getByTestId('erase-dialog');
    await dialog.waitFor();
    const said = await dialog.textContent();
    expect(said).toContain('身份证号');
    expect(said).toContain('人脸照片');
    expect(said).toContain('考勤记录');
    expect(said).toContain('无法恢复');
    await page.getByRole('dialog').getByRole('button', { name: '永久删除' }).click();
    const result = page.getByTestId('erasure-result');
    await result.waitFor();
    expect(await result.textContent()).toContain('结束进场 1 条');
    await expect.poll(() => page.getByTestId('worker-name').textContent()).toBe(personId);
    await page.getByText('已删除', { exact: true }).first().waitFor();
    expect(await page.getByTestId('edit-person').count()).toBe(0);
    expect(await page.getByTestId('erase-person').count()).toBe(0);
    expect(await person()).toMatchObject({ status: 'erased', name: null, photoCount: 0 });
    expectNoBrowserErrors(o);
    await page.context().close();
  }, 120_000);
});
