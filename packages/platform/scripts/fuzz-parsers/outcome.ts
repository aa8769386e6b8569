/**
 * What a parser is to the script: it makes an input (a Case) from a Rand and runs it, and
 * the run's outcome is a parse, a refusal of the catalogue, or a finding; with the samples
 * a finding shows of its input.
 */
import type { Rand } from '@kaoqin/conformance/fuzz';
import { errorByCode, ProtocolError } from '@kaoqin/protocol';

export type Outcome = { ok: true } | { ok: false; code: string } | { finding: string; reason: string };

export interface Case {
  run(): Outcome;
  /** What the input was, for a finding: hex or text, capped. */
  describe(): string;
}

export interface Parser {
  name: string;
  make(r: Rand): Case;
}

export const OK: Outcome = { ok: true };
const HEX_CAP = 512;

export function hexSample(b: Uint8Array): string {
  const hex = Buffer.from(b.subarray(0, HEX_CAP)).toString('hex');
  return b.length > HEX_CAP ? `${hex}… (${b.length} bytes)` : hex;
}

export function textSample(s: string): string {
  const j = JSON.stringify(s.length > 600 ? s.slice(0, 600) : s);
  return s.length > 600 ? `${j}… (${s.length} chars)` : j;
}

/** A refusal of the catalogue, or a finding naming what was thrown and where. */
export function thrown(e: unknown): Outcome {
  if (e instanceof ProtocolError && errorByCode(e.code)) return { ok: false, code: e.code };
  const err = e instanceof Error ? e : new Error(String(e));
  const at = (err.stack ?? '').split('\n').find((l) => l.trim().startsWith('at ')) ?? '';
  return { finding: 'throw', reason: `${err.name}: ${err.message.slice(0, 200)} ${at.trim()}` };
}
