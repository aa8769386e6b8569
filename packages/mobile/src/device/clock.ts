/**
 * The platform's clock as the phone sees it: recordTime and every frame's timeStamp use
 * the phone's clock corrected by an offset from GET /api/mobile/v1/time (the standard's
 * devices sync to the platform, 400_05 refuses a timeStamp more than the window off).
 * The offset is kept, so a clock-in made offline after a sync is still on the
 * platform's time.
 */
import { MOBILE_API } from '../paths';
import { db } from '../store/db';

const KEY = 'clockOffsetMs';
let offsetMs = 0;
let loaded = false;

async function load(): Promise<void> {
  if (loaded) return;
  const v = await (await db()).get('kv', KEY);
  if (typeof v === 'number') offsetMs = v;
  loaded = true;
}

/** The platform's time now (epoch ms), as best known. */
export async function platformNow(): Promise<number> {
  await load();
  return Date.now() + offsetMs;
}

/** Same, synchronously, once loaded (frames are built in a loop). */
export function platformNowSync(): number {
  return Date.now() + offsetMs;
}

/** Asks the platform for its time; the offset assumes the answer came half-way. */
export async function syncClock(): Promise<number> {
  await load();
  const t0 = Date.now();
  const res = await fetch(`${MOBILE_API}/time`, { cache: 'no-store' });
  if (!res.ok) throw new Error(`GET /time: ${res.status}`);
  const { now } = (await res.json()) as { now: number };
  const t1 = Date.now();
  offsetMs = Math.round(now - (t0 + t1) / 2);
  await (await db()).put('kv', offsetMs, KEY);
  return offsetMs;
}
