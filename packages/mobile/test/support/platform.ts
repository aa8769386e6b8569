/**
 * A real platform for the phone page's browser tests: `startPlatform` in this process
 * (SQLite in a temp dir, OS-chosen ports) with the real face detector and the clock-in
 * rules on, serving the page's build (packages/mobile/dist, built once by Vitest's global
 * setup). Sites, workers and one-time codes are made through the management API, as a
 * site manager would; the page registers itself through the phone API.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig, type Platform, startPlatform } from '@kaoqin/platform';
import { idNumber, type RealFaceName, realFacePhoto } from '@kaoqin/testkit';
import { MOBILE_DIST } from './build.js';

export const ADMIN_PASSWORD = 'mobile-admin-password';
/** A site's fence centre (Hangzhou) and a point 0.01° north of it, 912 m outside a 200 m circle. */
export const CENTRE = { latitude: 30.27415, longitude: 120.15507 };
export const NORTH = { latitude: 30.28415, longitude: 120.15507 };

// biome-ignore lint/suspicious/noExplicitAny: JSON from the API, read by the tests as they please
export type Json = any;

export interface MobilePlatform {
  platform: Platform;
  url: string;
  call(method: string, path: string, body?: unknown): Promise<Json>;
  /** The body's bytes (a PNG, say), for a GET of the management API. */
  raw(method: string, path: string): Promise<Buffer>;
  stop(): Promise<void>;
}

export async function startMobilePlatform(settings: Record<string, string> = {}): Promise<MobilePlatform> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kaoqin-mobile-'));
  const config = loadConfig(
    {
      'data-dir': dataDir,
      'tcp-port': '0',
      'http-port': '0',
      host: '127.0.0.1',
      'log-level': process.env.KAOQIN_TEST_LOG ?? 'silent',
      'face-detector': 'human',
      'attendance-rules': 'true',
      'admin-password': ADMIN_PASSWORD,
      'console-dir': 'off',
      'mobile-dir': MOBILE_DIST,
      ...settings,
    },
    {},
  );
  const platform = await startPlatform(config, createLogger(config.logLevel));
  const url = `http://127.0.0.1:${platform.httpPort}`;
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  if (!login.ok) throw new Error(`login: ${login.status} ${await login.text()}`);
  const { token } = (await login.json()) as { token: string };
  return {
    platform,
    url,
    async call(method, path, body) {
      const res = await fetch(`${url}/api/v1${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? null : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    },
    async raw(method, path) {
      const res = await fetch(`${url}/api/v1${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}` },
      });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return Buffer.from(await res.arrayBuffer());
    },
    async stop() {
      await platform.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Worker {
  siteId: string;
  personId: string;
  /** The person's ID number's last 6 characters, what the worker types. */
  idLast6: string;
}

/** A site with a 200 m circle at CENTRE. */
export async function fencedSite(p: MobilePlatform, name: string): Promise<string> {
  const site = await p.call('POST', '/sites', {
    name,
    geofence: { type: 'circle', center: { lat: CENTRE.latitude, lng: CENTRE.longitude }, radiusMeters: 200 },
  });
  return site.id as string;
}

/** A worker on the site, enrolled with a real face photo. */
export async function enrolledWorker(
  p: MobilePlatform,
  siteId: string,
  name: string,
  photo: RealFaceName,
): Promise<Worker> {
  const id = idNumber();
  const person = await p.call('POST', '/persons', {
    name,
    idNumber: id,
    photos: [Buffer.from(await realFacePhoto(photo)).toString('base64')],
    assignments: [{ siteId }],
  });
  return { siteId, personId: person.personId as string, idLast6: id.slice(-6) };
}

/** A one-time code for the worker's phone, as the site manager makes it. */
export async function mobileCode(p: MobilePlatform, w: Worker): Promise<string> {
  const r = await p.call('POST', `/sites/${w.siteId}/mobile-codes`, { personId: w.personId });
  return r.code as string;
}

/** The worker's clock-ins as the attendance API lists them (up to 500 a page, all pages). */
export async function attendanceOf(p: MobilePlatform, personId: string): Promise<Json[]> {
  const out: Json[] = [];
  let cursor: string | null = null;
  do {
    const q: string = `/attendance?personId=${personId}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await p.call('GET', q);
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}
