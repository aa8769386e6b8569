import { readFileSync } from 'node:fs';
import { DEVICE_FAILURES, ERRORS } from '@kaoqin/protocol';
import { describe, expect, it } from 'vitest';

// docs/protocol.md is what vendors read: every code we can answer with, or ask a device
// to use, must stand in one of its tables with the same message.
const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
const tableRows = doc.split('\n').filter((l) => l.trimStart().startsWith('|'));

/** The catalogue row: the one naming the code with its message (other tables may name it too). */
function rowFor(code: string, message: string): string | undefined {
  return tableRows.find((r) => r.includes(`\`${code}\``) && r.includes(message));
}

describe('docs/protocol.md lists the catalogues', () => {
  for (const e of Object.values(ERRORS)) {
    it(`error ${e.code}`, () => {
      expect(rowFor(e.code, e.zh), `${e.code} ${e.zh} has no table row`).toBeDefined();
      expect(rowFor(e.code, e.en), `${e.code} ${e.en} has no table row`).toBeDefined();
    });
  }
  for (const f of Object.values(DEVICE_FAILURES)) {
    it(`device failure ${f.code}`, () => {
      expect(rowFor(f.code, f.zh), `${f.code} ${f.zh} has no table row`).toBeDefined();
    });
  }
});
