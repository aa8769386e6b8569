/** The rules combined (judge.ts): what each port is asked, and what the record keeps. */
import { describe, expect, it } from 'vitest';
import { judgeSignIn } from '../../../src/domain/attendance-rules/judge.js';
import { type SignInRulesPorts, UNWIRED_QR_VERIFIER } from '../../../src/domain/attendance-rules/ports.js';
import { SiteFences } from '../../../src/domain/attendance-rules/site-fences.js';
import type { QrVerdict } from '../../../src/domain/qr/types.js';
import type { SiteRow } from '../../../src/store/index.js';

const T = 1_780_000_000_000;
const CENTRE = { lat: 30.27415, lng: 120.15507 };
const fence = {
  geofence: { type: 'circle' as const, center: CENTRE, radiusMeters: 200 },
  toleranceMeters: 0,
};
const device = { id: 'dev-1', siteId: 'site-1' };

function ports(over: Partial<SignInRulesPorts> = {}): SignInRulesPorts {
  return {
    attendanceRules: true,
    qr: UNWIRED_QR_VERIFIER,
    fences: { fence: async () => fence },
    presence: { onlineSince: () => T - 60_000 },
    ...over,
  };
}

describe('judgeSignIn', () => {
  it('combines every rule: a late, febrile mobile clock-in outside the fence', async () => {
    const r = await judgeSignIn(
      ports(),
      device,
      {
        personId: 'P1',
        type: 64,
        bitType: 65,
        recordTime: T,
        temperature: 37.84,
        coordinate: { latitude: 30.28415, longitude: CENTRE.lng },
      },
      T + 30_000,
    );
    expect(r).toEqual({
      realName: false,
      flags: ['face_unverified', 'not_real_name', 'outside_fence', 'fever', 'upload_late'],
      temperature: 37.8,
      uploadClass: 'late',
      fenceDistanceM: 911.95,
    });
  });

  it('asks the QR verifier for a person code on the device’s site at recordTime', async () => {
    const asked: unknown[] = [];
    const qr = {
      async verify(codeValue: string, siteId: string | null, at: number): Promise<QrVerdict> {
        asked.push([codeValue, siteId, at]);
        return { status: 'valid', personId: 'P1', siteId: 'site-1', expiresAt: at + 1 };
      },
    };
    const r = await judgeSignIn(
      ports({ qr }),
      device,
      {
        personId: 'P1',
        type: 16,
        recordTime: T,
        qrCodeInfo: { type: '1', codeValue: 'KQ1.abc' },
        coordinate: { latitude: CENTRE.lat, longitude: CENTRE.lng },
      },
      T + 1000,
    );
    expect(asked).toEqual([['KQ1.abc', 'site-1', T]]);
    expect(r).toMatchObject({ realName: true, flags: [], fenceDistanceM: 0, uploadClass: 'live' });
    // a health code is not a person code: nobody is asked
    await judgeSignIn(
      ports({ qr }),
      device,
      {
        personId: 'P1',
        type: 16,
        recordTime: T,
        qrCodeInfo: { type: '2', codeValue: 'hc' },
      },
      T,
    );
    expect(asked).toHaveLength(1);
  });

  it('with the rules off, keeps only the old real-name test', async () => {
    const r = await judgeSignIn(
      ports({ attendanceRules: false }),
      device,
      { personId: 'P1', type: 8, bitType: 33, recordTime: T, temperature: 36.66 },
      T + 60_000,
    );
    expect(r).toEqual({
      realName: true,
      flags: [],
      temperature: 36.66,
      uploadClass: null,
      fenceDistanceM: null,
    });
  });
});

describe('SiteFences', () => {
  const site = (tolerance: number): SiteRow => ({
    id: 'site-1',
    name: 's',
    address: null,
    generalContractor: null,
    location: null,
    geofence: fence.geofence,
    fenceToleranceMeters: tolerance,
    version: 1,
    createdAt: 0,
    updatedAt: 0,
  });

  it('reads a site once, again when older than maxAgeMs; one read for concurrent asks', async () => {
    let reads = 0;
    let tolerance = 5;
    const clock = { now: 0 };
    const store = {
      sites: {
        get: async (id: string) => {
          reads++;
          return id === 'site-1' ? site(tolerance) : undefined;
        },
      },
    } as unknown as ConstructorParameters<typeof SiteFences>[0];
    const fences = new SiteFences(store, () => clock.now, 30_000);
    const [a, b] = await Promise.all([fences.fence('site-1'), fences.fence('site-1')]);
    expect(a).toEqual({ geofence: fence.geofence, toleranceMeters: 5 });
    expect(b).toBe(a);
    expect(reads).toBe(1);
    tolerance = 50;
    clock.now = 29_999;
    expect((await fences.fence('site-1'))!.toleranceMeters).toBe(5);
    clock.now = 30_000;
    expect((await fences.fence('site-1'))!.toleranceMeters).toBe(50);
    expect(reads).toBe(2);
    expect(await fences.fence('no-such-site')).toBeUndefined();
  });
});
