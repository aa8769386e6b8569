/**
 * A store and a webhooks service over it, as app.ts wires them but without servers: SQLite
 * in a directory or PostgreSQL in a schema, both real, with a real clock and short retry
 * steps. Closing and opening again on the same place is a platform restart.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { webhookAttendanceRenderer } from '../../src/api/webhook-attendance.js';
import { SecretBox } from '../../src/domain/secrets.js';
import { TimeIds } from '../../src/ids.js';
import {
  type AttendanceInput,
  type DeviceRow,
  openStore,
  type Store,
  type WebhookRepo,
} from '../../src/store/index.js';
import { type WebhookOptions, Webhooks } from '../../src/webhooks/service.js';
import { attendanceInput, insertDevice, insertVendor, personRow } from '../helpers/store-rows.js';

export const FAST: WebhookOptions = {
  follow: true,
  allowPrivate: true,
  timeoutMs: 2_000,
  retryBaseMs: 40,
  retryMaxMs: 200,
  maxAttempts: 50,
  retentionMs: 30 * 86_400_000,
};

export interface Place {
  dataDir: string;
  databaseUrl?: string;
  key: Buffer;
}

export interface World {
  siteId: string;
  otherSiteId: string;
  device: DeviceRow;
  personId: string;
  personName: string;
}

export interface Rig {
  store: Store;
  hooks: Webhooks;
  close(): Promise<void>;
}

export async function openRig(
  place: Place,
  opts: Partial<WebhookOptions> = {},
  ids = new TimeIds(),
  /** Puts something between the service and the store's repo (a fault, a delay). */
  wrapRepo: (repo: WebhookRepo) => WebhookRepo = (repo) => repo,
): Promise<Rig> {
  const store = await openStore({
    dataDir: place.dataDir,
    ...(place.databaseUrl ? { databaseUrl: place.databaseUrl } : {}),
    ids,
  });
  const hooks = new Webhooks(
    {
      repo: wrapRepo(store.webhooks),
      box: new SecretBox(place.key),
      renderAttendance: webhookAttendanceRenderer(store),
      ids,
      now: Date.now,
    },
    { ...FAST, ...opts },
  );
  await hooks.load();
  return {
    store,
    hooks,
    async close() {
      await hooks.close();
      await store.close();
    },
  };
}

/** A vendor, two sites, a device on the first and a named person. */
export async function makeWorld(store: Store): Promise<World> {
  const now = Date.now();
  const { id: vendorId } = await insertVendor(store, { name: '回调测试厂商' });
  const siteId = randomUUID();
  const otherSiteId = randomUUID();
  await store.sites.create({ id: siteId, name: '回调一号工地', createdAt: now });
  await store.sites.create({ id: otherSiteId, name: '回调二号工地', createdAt: now });
  const device = await insertDevice(store, vendorId, siteId, { sn: `WH-${randomBytes(3).toString('hex')}` });
  const personId = String(4_508_004_291_000_000_000n + BigInt(randomBytes(4).readUInt32BE()));
  const personName = '赵六';
  await store.persons.insert(personRow(personId, personName));
  return { siteId, otherSiteId, device, personId, personName };
}

let seq = 0;

/** `n` face clock-ins on the world's device, inserted as the ingest path does; answers their ids. */
export async function clockIns(
  store: Store,
  w: World,
  n: number,
  over: Partial<AttendanceInput> = {},
): Promise<string[]> {
  const base = Date.now() - 3_600_000;
  const records: AttendanceInput[] = [];
  for (let i = 0; i < n; i++) {
    const recordTime = base + (seq++ % 3_000_000) * 1000;
    records.push(
      attendanceInput(w.device, { personId: w.personId, recordTime, receivedAt: recordTime + 500, ...over }),
    );
  }
  const out = await store.attendance.insertBatch(records);
  return out.map((o) => o.id);
}
