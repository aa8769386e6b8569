/**
 * Nothing acknowledged is lost: a device streams sign-ins (some with photos) while the
 * platform is killed with SIGKILL mid-stream. After a restart every acked record is
 * there exactly once with its photo, and re-sending everything (as a device that lost
 * its answers does) adds each missing record once and duplicates none.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestDevice } from '@kaoqin/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { openSegmentBlobStore } from '../../src/blobs/segments.js';
import { openStore } from '../../src/store/index.js';
import { kaoqin, type Served, serve } from '../helpers/process.js';

const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==';
const dirs: string[] = [];
const children: Served[] = [];
afterAll(async () => {
  for (const c of children) c.child.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

interface Sent {
  personId: string;
  recordTime: number;
  type: number;
  img?: string;
}

describe('kill -9 during a stream of sign-ins', () => {
  it('loses no acked record and counts none twice', { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kaoqin-kill9-'));
    dirs.push(dataDir);
    const created = await kaoqin(['vendor', 'create', '--name', 'kill9', '--json', '--data-dir', dataDir]);
    expect(created.code).toBe(0);
    const creds = JSON.parse(created.stdout);

    const first = await serve(['--data-dir', dataDir]);
    children.push(first);
    const d = await TestDevice.tcp(first.tcpPort, 'KILL9-DEV', creds);
    expect((await d.auth()).success).toBe(true);

    const base = Date.now() - 60_000;
    const sent: Sent[] = [];
    const acked = new Set<number>();
    const inFlight: number[] = [];
    let killed = false;
    // Stream with 32 in flight; SIGKILL the platform after 400 acks and keep sending into
    // the dying socket until answers stop, so records are certainly in flight at death.
    for (let i = 0; i < 5000; i++) {
      const rec: Sent = { personId: `w${i % 97}`, recordTime: base + i, type: 1 };
      if (i % 5 === 0) rec.img = PNG;
      sent.push(rec);
      d.send(d.requestFrame('C_SIGN_IN', rec));
      inFlight.push(i);
      if (inFlight.length >= 32) {
        const a = await d.next(3000).catch(() => undefined);
        if (!a) break; // the platform is gone
        const idx = inFlight.shift()!;
        if (a.success) acked.add(idx);
      }
      if (!killed && acked.size >= 400) {
        first.child.kill('SIGKILL');
        killed = true;
      }
    }
    await first.exited;
    d.close();
    expect(killed).toBe(true);
    expect(acked.size).toBeGreaterThanOrEqual(400);
    expect(sent.length, 'records were in flight when the platform died').toBeGreaterThan(acked.size);

    // Every acked record survived the kill, with its photo.
    const store = await openStore({ dataDir });
    const blobs = await openSegmentBlobStore(join(dataDir, 'photos'));
    const rows = await store.attendance.list({ sn: 'KILL9-DEV', limit: 10_000 });
    const byTime = new Map(rows.map((r) => [r.recordTime, r]));
    expect(byTime.size).toBe(rows.length);
    for (const i of acked) {
      const rec = sent[i]!;
      const row = byTime.get(rec.recordTime);
      expect(row, `acked record ${i} lost`).toBeDefined();
      if (rec.img) expect(await blobs.has(row!.photoKey!)).toBe(true);
    }
    await store.close();
    await blobs.close();

    // Restart; the device re-sends everything, acked or not.
    const second = await serve(['--data-dir', dataDir]);
    children.push(second);
    const d2 = await TestDevice.tcp(second.tcpPort, 'KILL9-DEV', creds);
    expect((await d2.auth()).success).toBe(true);
    for (const rec of sent) d2.send(d2.requestFrame('C_SIGN_IN', rec));
    for (const _ of sent) expect((await d2.next(10_000)).success).toBe(true);
    d2.close();
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const after = await openStore({ dataDir });
    const all = await after.attendance.list({ sn: 'KILL9-DEV', limit: 10_000 });
    expect(all).toHaveLength(sent.length);
    expect(new Set(all.map((r) => r.recordTime)).size).toBe(sent.length);
    await after.close();
  });
});
