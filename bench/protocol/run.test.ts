import { describe, expect, it } from 'vitest';
import { ROW_KINDS, runBench } from './bench.js';
import { CASE_IDS } from './requests.js';
import { formatResult } from './table.js';

// Behaviour only: every case and row runs and counts something. No timing thresholds.
describe('protocol benchmark', () => {
  it('measures every case and row with positive counts', () => {
    const result = runBench({ seconds: 0.05, warmupSeconds: 0 });
    expect(result.cases.map((c) => c.id)).toEqual(CASE_IDS);
    expect(result.rows.map((r) => `${r.caseId}/${r.kind}`)).toEqual(
      CASE_IDS.flatMap((id) => ROW_KINDS.map((kind) => `${id}/${kind}`)),
    );
    for (const row of result.rows) {
      expect(row.frames, `${row.caseId}/${row.kind}`).toBeGreaterThan(0);
      expect(row.bytes, `${row.caseId}/${row.kind}`).toBeGreaterThan(0);
      expect(row.ns > 0n).toBe(true);
      expect(row.framesPerSec).toBeGreaterThan(0);
      expect(row.vsMd5).toBeGreaterThan(0);
    }
    const text = formatResult(result);
    for (const id of CASE_IDS) expect(text).toContain(id);
  });

  it('refuses durations that would outlast the timeStamp window', () => {
    expect(() => runBench({ seconds: 0 })).toThrow(RangeError);
    expect(() => runBench({ seconds: 400 })).toThrow(RangeError);
  });
});
