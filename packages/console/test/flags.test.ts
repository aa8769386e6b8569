/**
 * The console's attendance flags are exactly the API's: the flag filter's options
 * (ATTENDANCE_FLAGS) and the flag names in both languages. The API's list is read where
 * the console meets it, the OpenAPI document of a running platform (GET /attendance's
 * `flag` query parameter is an enum of every flag; the console may not import the
 * platform's sources, test/layering.test.ts): a flag added on either side fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import attendance from '../src/i18n/parts/attendance';
import { ATTENDANCE_FLAGS } from '../src/pages/attendance/types';
import { type ConsolePlatform, startConsolePlatform } from './support/platform';

interface Parameter {
  name: string;
  in: string;
  schema?: { enum?: unknown[] };
}
interface OpenApi {
  paths: Record<string, { get?: { parameters?: Parameter[] } } | undefined>;
}

/** The enum of a GET route's `flag` query parameter. */
function flagEnum(doc: OpenApi, path: string): string[] {
  const param = doc.paths[path]?.get?.parameters?.find((x) => x.in === 'query' && x.name === 'flag');
  return (param?.schema?.enum ?? []).map(String);
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('attendance flags', () => {
  let p: ConsolePlatform;
  let apiFlags: string[];
  beforeAll(async () => {
    p = await startConsolePlatform();
    const res = await fetch(`${p.url}/api/openapi.json`, {
      headers: { Authorization: `Bearer ${p.api.token}` },
    });
    expect(res.status).toBe(200);
    apiFlags = flagEnum((await res.json()) as OpenApi, '/api/v1/attendance');
  }, 120_000);
  afterAll(async () => {
    await p?.stop();
  });

  it('reads the API’s list (an empty one would match an empty console)', () => {
    expect(apiFlags).toContain('unknown_person');
    expect(new Set(apiFlags).size).toBe(apiFlags.length);
  });

  it('the console offers exactly the API’s flags, once each', () => {
    expect(ATTENDANCE_FLAGS.length).toBe(new Set(ATTENDANCE_FLAGS).size);
    expect(sorted(ATTENDANCE_FLAGS)).toEqual(sorted(apiFlags));
  });

  it('names exactly the API’s flags, in Chinese and in English', () => {
    expect(sorted(Object.keys(attendance.zh.attendance.flag))).toEqual(sorted(apiFlags));
    expect(sorted(Object.keys(attendance.en.attendance.flag))).toEqual(sorted(apiFlags));
  });
});
