/**
 * A backup of a PostgreSQL platform, restored, is the platform (docs/operations.md
 * "Backups"): pg_dump of its schema in custom format, pg_restore into a new database,
 * and a platform started there with the same master key and an empty data directory
 * has every vendor, device, person, record and photo: the device authenticates with
 * its credentials, the records and both kinds of photo read back byte for byte.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { face, TestDevice } from '@kaoqin/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { admin, freshSchema, inSchema, PG_HOW, PG_URL, SERVICES_REQUIRED } from '../helpers/pg.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { validIdNumber } from '../helpers/roster.js';

const run = promisify(execFile);
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==',
  'base64',
);

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => {});
});

if (!PG_URL) {
  if (SERVICES_REQUIRED)
    it('requires PostgreSQL', () => expect.fail(`the backup test is required here: ${PG_HOW}`));
  else console.warn(`backup and restore skipped: ${PG_HOW}`);
}

describe.runIf(PG_URL)('backup and restore (pg_dump, pg_restore)', () => {
  it('restores a platform whole: credentials, records and photos', { timeout: 120_000 }, async () => {
    const schema = await freshSchema(PG_URL!);
    cleanup.push(() => schema.drop());
    const masterKey = randomBytes(32).toString('base64');
    const tp: TestPlatform = await startTestPlatform(
      { 'master-key': masterKey },
      { databaseUrl: inSchema(PG_URL!, schema.schema) },
    );
    let stopped = false;
    cleanup.push(() => (stopped ? Promise.resolve() : tp.stop()));

    // Data of every kind: a vendor and its device, a person with a face photo, clock-ins with photos.
    const site = await tp.platform.data.persons.createSite('备份工地');
    const facePhoto = await face();
    const { person } = await tp.platform.data.persons.add({
      siteId: site.id,
      name: '备份工人',
      idNumber: validIdNumber(),
      photos: [facePhoto],
    });
    const d = await TestDevice.tcp(tp.platform.tcpPort, 'BACKUP-1', tp.creds, () => tp.clock.now);
    expect((await d.auth()).success).toBe(true);
    const t0 = tp.clock.now - 60_000;
    for (let i = 0; i < 5; i++) {
      const a = await d.signIn({
        personId: person.id,
        type: 1,
        recordTime: String(t0 + i),
        img: PNG.toString('base64'),
      });
      expect(a.success).toBe(true);
    }
    d.close();
    const before = await tp.platform.data.store.attendance.list({ sn: 'BACKUP-1', limit: 100 });
    expect(before).toHaveLength(5);

    // The backup, as docs/operations.md gives it.
    const dir = await mkdtemp(join(tmpdir(), 'kaoqin-backup-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const dump = join(dir, 'kaoqin.dump');
    await run('pg_dump', [
      '--format=custom',
      `--schema=${schema.schema}`,
      `--file=${dump}`,
      `--dbname=${PG_URL}`,
    ]);
    await tp.stop();
    stopped = true;

    // Restored into a database of its own.
    const db = `kq_restore_${randomBytes(4).toString('hex')}`;
    await admin(PG_URL!, (c) => c.query(`create database ${db}`));
    cleanup.push(() => admin(PG_URL!, (c) => c.query(`drop database ${db} with (force)`)));
    const restoredUrl = new URL(PG_URL!);
    restoredUrl.pathname = `/${db}`;
    await run('pg_restore', ['--no-owner', `--dbname=${restoredUrl}`, dump]);

    const again = await startTestPlatform(
      { 'master-key': masterKey },
      { databaseUrl: inSchema(restoredUrl.toString(), schema.schema) },
    );
    cleanup.push(() => again.stop());
    const d2 = await TestDevice.tcp(again.platform.tcpPort, 'BACKUP-1', tp.creds, () => again.clock.now);
    expect((await d2.auth()).success, 'the vendor secret reads back with the same master key').toBe(true);
    d2.close();
    const after = await again.platform.data.store.attendance.list({ sn: 'BACKUP-1', limit: 100 });
    expect(after.map((r) => r.id).sort()).toEqual(before.map((r) => r.id).sort());
    for (const r of after)
      expect(Buffer.from((await again.platform.blobs.get(r.photoKey!))!).equals(PNG)).toBe(true);
    const restoredPerson = await again.platform.data.store.persons.get(person.id);
    const key = restoredPerson!.photoKeys[0]!;
    expect(Buffer.from((await again.platform.data.faces.get(key))!).length).toBeGreaterThan(0);
  });
});
