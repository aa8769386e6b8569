/**
 * The child processes of the SSE fan-out bench (sse.ts): each is forked from this module
 * and takes one role, driven over IPC (bench/lib/ipc.ts):
 * - platform: startPlatform on a fresh data directory (SQLite, or PostgreSQL when
 *   BENCH_DATABASE_URL is set), one site, its devices pre-registered on it;
 * - baseline: a bare node:http server that fans the same frames out to its clients,
 *   rendered once and written to each client once per tick (the least a fan-out does);
 * - devices: TCP devices that clock in at a fixed total rate, each record new;
 * - subscribers: event-stream clients that time each attendance frame from its
 *   `receivedAt` (when the platform, or the baseline, had it) to its arrival here.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, get, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig, type Platform, startPlatform } from '@kaoqin/platform';
import { TestDevice } from '@kaoqin/testkit';
import { freshSchema, inSchema } from '../../packages/platform/test/helpers/pg.js';
import { serve } from '../lib/ipc.js';

export const HIST_BUCKET_MS = 0.1;
const HIST_BUCKETS = 100_000; // 10 s at 0.1 ms; later arrivals go in the last bucket

export interface Creds {
  accessId: string;
  accessKey: string;
  accessSecret: string;
  vendorId: string;
}

export interface Delivery {
  /** [bucket, count] of arrivals inside the window, bucket = ms / HIST_BUCKET_MS. */
  hist: [number, number][];
  inWindow: number;
  maxMs: number;
  /** Attendance frames per stream over the whole run. */
  perStream: number[];
  resets: number;
  ended: number;
}

export type Commands = {
  startPlatform: {
    spec: { devices: number; adminPassword: string };
    result: { httpPort: number; tcpPort: number; creds: Creds; sns: string[] };
  };
  startBaseline: { spec: Record<string, never>; result: { port: number } };
  fanOut: { spec: { rate: number; seconds: number }; result: { sent: number } };
  /** In the platform: clock-ins announced straight to its live sink, as the ingest does after a commit. */
  announce: { spec: { rate: number; seconds: number }; result: { sent: number } };
  connectDevices: { spec: { port: number; creds: Creds; sns: string[] }; result: null };
  clockIn: {
    spec: { rate: number; seconds: number };
    result: { sent: number; acked: number; failed: number; ackP50: number; ackP99: number };
  };
  subscribe: { spec: { url: string; token: string; count: number }; result: null };
  window: { spec: { from: number; to: number }; result: null };
  finish: { spec: Record<string, never>; result: Delivery };
  stop: { spec: Record<string, never>; result: { rssMiB: number } };
  /** CPU this process has used (user + system) and when, both in ms. */
  cpu: { spec: Record<string, never>; result: { cpuMs: number; at: number } };
};

const CST_MS = 8 * 60 * 60_000;
const isoCst = (ms: number) => `${new Date(ms + CST_MS).toISOString().slice(0, 23)}+08:00`;
const nowMs = () => performance.timeOrigin + performance.now();
const rssMiB = () => process.memoryUsage().rss / 1024 / 1024;

/** Calls `tick(due)` every 10 ms with how many items are due by now at `rate`/s, for `seconds`. */
function paced(rate: number, seconds: number, tick: (due: number) => void): Promise<number> {
  const t0 = nowMs();
  let done = 0;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const elapsed = Math.min(nowMs() - t0, seconds * 1000);
      const due = Math.floor((elapsed * rate) / 1000) - done;
      if (due > 0) {
        tick(due);
        done += due;
      }
      if (elapsed >= seconds * 1000) {
        clearInterval(timer);
        resolve(done);
      }
    }, 10);
  });
}

// --- platform ---------------------------------------------------------------------
let platform: Platform | undefined;
let dataDir: string | undefined;
let dropSchema: (() => Promise<void>) | undefined;
const deviceIds: string[] = [];

async function startPlatformChild(spec: Commands['startPlatform']['spec']) {
  dataDir = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'kaoqin-bench-sse-'));
  const base = process.env.BENCH_DATABASE_URL;
  let url: string | undefined;
  if (base) {
    // A schema of its own, dropped at the end: the database may be shared.
    const fresh = await freshSchema(base);
    dropSchema = fresh.drop;
    url = inSchema(base, fresh.schema);
  }
  const config = loadConfig(
    {
      'data-dir': dataDir,
      ...(url ? { 'database-url': url } : {}),
      'tcp-port': '0',
      'http-port': '0',
      host: '127.0.0.1',
      'log-level': process.env.KAOQIN_LOG_LEVEL ?? 'silent',
      'face-detector': process.env.KAOQIN_FACE_DETECTOR ?? 'off', // synthetic pictures, no faces
      'admin-password': spec.adminPassword,
    },
    process.env,
  );
  platform = await startPlatform(config, createLogger(config.logLevel));
  const creds = await platform.data.vendors.create('bench');
  const site = await platform.data.persons.createSite('bench site');
  const sns: string[] = [];
  for (let i = 0; i < spec.devices; i++) {
    const sn = `SSE-${i}`;
    deviceIds.push((await platform.data.devices.preRegister(creds.vendorId, sn, { siteId: site.id })).id);
    sns.push(sn);
  }
  return { httpPort: platform.httpPort, tcpPort: platform.tcpPort, creds: { ...creds }, sns };
}

/** Announces clock-ins at `rate`/s to the platform's live sink, as rows just committed. */
async function announce({ rate, seconds }: Commands['announce']['spec']) {
  const p = platform!;
  const device = p.data.devices.cachedById(deviceIds[0]!)!;
  let seq = 0;
  const sent = await paced(rate, seconds, (due) => {
    const now = Date.now();
    for (let i = 0; i < due; i++) {
      seq++;
      p.live.attendanceCreated(
        {
          deviceId: device.id,
          vendorId: device.vendorId,
          sn: device.sn,
          siteId: device.siteId,
          personId: String(seq),
          recordTime: now,
          type: 1,
          bitType: null,
          qrCodeInfo: null,
          photoKey: null,
          temperature: null,
          irisInfo: null,
          longitude: null,
          latitude: null,
          realName: true,
          flags: ['unknown_person'],
          receivedAt: now,
          latencyMs: 0,
        },
        `${1764806400000 + seq}000000`,
      );
    }
  });
  return { sent };
}

// --- baseline -----------------------------------------------------------------------
const clients = new Set<ServerResponse>();
const baseline = createServer((req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.write('retry: 3000\n\nid: b-0\nevent: ready\ndata: {"resumed":false}\n\n');
  clients.add(res);
  req.on('close', () => clients.delete(res));
});
let baselineSeq = 0;

/** The frame the platform sends for a clock-in, field for field. */
function attendanceFrame(seq: number, at: number): string {
  const data = {
    id: `${1764806400000 + seq}000000`,
    personId: String(seq),
    deviceId: '1d9c6b0e-5a7c-4c1e-9f53-6a2b3c4d5e6f',
    sn: 'SSE-0',
    recordTime: isoCst(at),
    receivedAt: isoCst(at),
    type: 1,
    flags: ['unknown_person'],
    realName: true,
    hasPhoto: false,
    siteId: '1764806400000000001',
    vendorId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  };
  return `id: mbase0000-${seq}\nevent: attendance.created\ndata: ${JSON.stringify(data)}\n\n`;
}

// --- devices ------------------------------------------------------------------------
const devices: TestDevice[] = [];
let acked = 0;
let failed = 0;
/** When each device's requests in flight were sent (answers come in order per connection). */
const sentAt = new Map<TestDevice, number[]>();
const ackMs: number[] = [];

async function connectDevices({ port, creds, sns }: Commands['connectDevices']['spec']) {
  for (const sn of sns) {
    const d = await TestDevice.tcp(port, sn, creds);
    if (!(await d.auth()).success) throw new Error(`device ${sn}: C_AUTH refused`);
    devices.push(d);
    void (async () => {
      for (;;) {
        const a = await d.next(3_600_000).catch(() => undefined);
        if (!a) return;
        if (a.success) acked++;
        else failed++;
        const t = sentAt.get(d)?.shift();
        if (t !== undefined) ackMs.push(nowMs() - t);
      }
    })();
  }
  return null;
}

// --- subscribers ---------------------------------------------------------------------
const hist = new Uint32Array(HIST_BUCKETS);
let win = { from: Number.POSITIVE_INFINITY, to: Number.NEGATIVE_INFINITY };
const delivery = { inWindow: 0, maxMs: 0, resets: 0, ended: 0 };
const perStream: number[] = [];
const requests: ReturnType<typeof get>[] = [];
const RECEIVED = '"receivedAt":"';

function subscribe({ url, token, count }: Commands['subscribe']['spec']): Promise<null> {
  let ready = 0;
  return new Promise((resolve, reject) => {
    for (let n = 0; n < count; n++) {
      const k = perStream.push(0) - 1;
      const req = get(url, { headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`subscriber: HTTP ${res.statusCode}`));
          return;
        }
        res.setEncoding('utf8');
        let buf = '';
        res.on('data', (chunk: string) => {
          const at = nowMs();
          buf += chunk;
          let cut = buf.indexOf('\n\n');
          while (cut >= 0) {
            const frame = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            cut = buf.indexOf('\n\n');
            if (frame.includes('event: attendance.created')) {
              perStream[k]!++;
              const i = frame.indexOf(RECEIVED) + RECEIVED.length;
              const sent = Date.parse(frame.slice(i, i + 29));
              if (sent < win.from || sent > win.to) continue;
              const ms = Math.max(0, at - sent);
              hist[Math.min(HIST_BUCKETS - 1, Math.floor(ms / HIST_BUCKET_MS))]!++;
              delivery.inWindow++;
              if (ms > delivery.maxMs) delivery.maxMs = ms;
            } else if (frame.includes('event: ready')) {
              if (++ready === count) resolve(null);
            } else if (frame.includes('event: reset')) delivery.resets++;
          }
        });
        res.on('end', () => delivery.ended++);
      });
      req.on('error', () => {});
      requests.push(req);
    }
  });
}

serve<Commands>({
  startPlatform: startPlatformChild,
  async startBaseline() {
    await new Promise<void>((resolve) => baseline.listen(0, '127.0.0.1', resolve));
    const a = baseline.address();
    return { port: typeof a === 'object' && a ? a.port : 0 };
  },
  async fanOut({ rate, seconds }) {
    const sent = await paced(rate, seconds, (due) => {
      const at = Date.now();
      let chunk = '';
      for (let i = 0; i < due; i++) chunk += attendanceFrame(++baselineSeq, at);
      for (const res of clients) res.write(chunk);
    });
    return { sent };
  },
  connectDevices,
  announce,
  async clockIn({ rate, seconds }) {
    let seq = 0;
    const sent = await paced(rate, seconds, (due) => {
      for (let i = 0; i < due; i++) {
        const d = devices[seq % devices.length]!;
        seq++;
        d.send(d.requestFrame('C_SIGN_IN', { personId: String(seq), type: 1, recordTime: Date.now() }));
        const times = sentAt.get(d) ?? [];
        times.push(nowMs());
        sentAt.set(d, times);
      }
    });
    // Answers still on their way: wait until every one is in (or 30 s).
    for (let i = 0; i < 300 && acked + failed < sent; i++) await new Promise((r) => setTimeout(r, 100));
    ackMs.sort((a, b) => a - b);
    const at = (q: number) => ackMs[Math.min(ackMs.length - 1, Math.floor(q * ackMs.length))] ?? 0;
    return { sent, acked, failed, ackP50: at(0.5), ackP99: at(0.99) };
  },
  subscribe,
  async cpu() {
    const u = process.cpuUsage();
    return { cpuMs: (u.user + u.system) / 1000, at: nowMs() };
  },
  async window(w) {
    win = w;
    return null;
  },
  async finish() {
    for (const r of requests) r.destroy();
    const out: [number, number][] = [];
    hist.forEach((c, b) => {
      if (c > 0) out.push([b, c]);
    });
    return { hist: out, ...delivery, perStream };
  },
  async stop() {
    const rss = rssMiB();
    for (const d of devices) d.close();
    await platform?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    await dropSchema?.();
    baseline.close();
    for (const res of clients) res.destroy();
    setTimeout(() => process.exit(0), 50);
    return { rssMiB: rss };
  },
});
