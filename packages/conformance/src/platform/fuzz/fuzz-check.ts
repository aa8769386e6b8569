/** The fuzz pass as a check (fuzz.tcp, clause 1.2): its counts and first findings go into the evidence. */
import { type Check, CheckFailure, EVIDENCE_BYTES, type Evidence } from '../../check.js';
import type { PlatformTarget } from '../target.js';
import { fuzzPlatform } from './fuzz-platform.js';
import { DEFAULT_ANSWER_TIMEOUT_MS, type FuzzOptions } from './types.js';

/** Findings shown in a failure's reason, and whose bytes go into the evidence. */
const SHOWN = 3;

/** The fuzz pass as a check (clause 1.2), for `--fuzz N`: fails on any finding or if the platform stops answering. */
export function fuzzCheck(
  inputs: number,
  seed: number,
  opts: Omit<FuzzOptions, 'inputs' | 'seed'> = {},
): Check<PlatformTarget> {
  return {
    id: 'fuzz.tcp',
    clause: '1.2',
    title: `${inputs} random and mutated inputs are each answered with a documented code or a close; the platform still answers after`,
    async run(target: PlatformTarget, ev: Evidence) {
      const r = await fuzzPlatform(target, { ...opts, inputs, seed });
      const refused = Object.entries(r.refused)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([code, n]) => `${code}×${n}`)
        .join(' ');
      ev.note(
        `seed ${seed}: ${r.inputs} inputs in ${r.elapsedMs} ms: ${r.answered} answered success, ` +
          `${r.closed} closed, refused ${refused || 'none'}; ${r.findingCount} findings`,
      );
      for (const f of r.findings.slice(0, SHOWN)) {
        ev.note(`input ${f.input} (${f.inputKind}, ${f.sentBytes} bytes): ${f.kind}: ${f.reason}`);
        ev.sent(Buffer.from(f.sentHex, 'hex'), `input ${f.input}, first ${EVIDENCE_BYTES} bytes at most`);
        if (f.receivedHex !== undefined) ev.received(Buffer.from(f.receivedHex, 'hex'));
        if (f.kind === 'hang') ev.timeout(opts.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS);
      }
      const problems: string[] = [];
      if (r.findingCount > 0) {
        const shown = r.findings
          .slice(0, SHOWN)
          .map((f) => `input ${f.input} (${f.inputKind}): ${f.kind}: ${f.reason}`)
          .join('; ');
        problems.push(
          `${r.findingCount} of ${r.inputs} inputs were not answered with a documented code or a close (seed ${seed}): ${shown}`,
        );
      }
      if (!r.stillAlive)
        problems.push('after the inputs the platform no longer answers a plain C_AUTH with success');
      if (problems.length) throw new CheckFailure(problems.join('; '));
    },
  };
}
