/**
 * `kaoqin person add` refuses the ID cards the API and the import refuse
 * (domain/id-card.ts): exit 1, one line naming each failed rule's field, code and value.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { idNumber, withBadCheckDigit } from '@kaoqin/testkit';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kaoqin } from './helpers/process.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kaoqin-cli-id-card-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('kaoqin person add: ID card rules', { timeout: 60_000 }, () => {
  it('exits 1 with every failed rule on one line', async () => {
    const k = (...args: string[]) => kaoqin([...args, '--data-dir', join(dir, 'data')]);
    const photo = join(dir, 'face.jpg');
    await writeFile(
      photo,
      await sharp({ create: { width: 160, height: 160, channels: 3, background: '#876' } })
        .jpeg()
        .toBuffer(),
    );
    const site = await k('site', 'create', '--name', '卡检工地', '--json');
    expect(site.code, site.stderr).toBe(0);
    const siteId = JSON.parse(site.stdout).siteId;
    const female = idNumber({ female: true });
    const r = await k(
      'person',
      'add',
      '--site',
      siteId,
      '--name',
      '王五',
      '--id-number',
      withBadCheckDigit(female),
      '--gender',
      '男',
      '--valid-to',
      '2020-01-01',
      '--photo',
      photo,
    );
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/idNumber: id_number_check_digit: check character .* calls for /);
    expect(r.stderr).toMatch(/gender: gender_mismatch: gender 男/);
    expect(r.stderr).toMatch(/validTo: id_card_expired: the card expired on 2020-01-01/);
  });
});
