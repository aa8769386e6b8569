/**
 * The fuzz pass of chapter 3's HTTP interface (`fuzz.http`, with --fuzz and --http):
 * random and mutated JSON bodies POSTed to the device address. Each must be answered as
 * the interface answers: a JSON object with a boolean `success`, and on a refusal an
 * `error.errorcode` of the catalogue. A 5xx status, a body that is not such an object, an
 * undocumented code or no answer within the time limit is a finding. Inputs come from
 * (seed, input number) alone, as the TCP pass's do.
 */
import { errorByCode, signRequest } from '@kaoqin/protocol';
import { type Check, CheckFailure, Evidence, NotRun } from '../../check.js';
import type { PlatformTarget } from '../target.js';
import { authenticate, Wire } from '../wire.js';
import { jsonText, keyText } from './json-text.js';
import { text } from './odd-text.js';
import { mix, Rand } from './rand.js';

const APICODES = [
  'T_GET_TASKS',
  'T_UPDATE_TASKS_STATUS',
  'T_SEND_PERSON',
  'T_UPDATE_DEVICE_PERSON',
  'T_DEL_DEVICE_PERSON',
  'T_CLEAR_DEVICE_PERSON',
  'T_UPDATE_DEVICE_VERSION',
  'T_POST_DEVICE_PERSON',
] as const;
/** Findings kept, and the bytes of a body kept with one. */
const KEPT = 20;
const BODY_SHOWN = 400;

export interface HttpFuzzFinding {
  input: number;
  kind: 'hang' | 'status' | 'not-an-answer' | 'undocumented';
  reason: string;
  body: string;
}

export interface HttpFuzzResult {
  inputs: number;
  answered: number;
  refused: Record<string, number>;
  /** Connections the server closed without an answer: allowed, as on TCP. */
  closed: number;
  findings: HttpFuzzFinding[];
  findingCount: number;
  elapsedMs: number;
}

/** One body: a signed envelope with one thing wrong, an envelope of odd members, any JSON, or not JSON. */
function body(r: Rand, target: PlatformTarget, token: string | undefined): string {
  const apicode = r.pick(APICODES);
  return r.weighted<() => string>([
    [
      45,
      () => {
        const param = jsonText(r);
        const env: Record<string, string | undefined> = {
          version: target.version,
          sn: target.sn,
          token: r.chance(0.9) ? token : r.hex(32),
          apicode,
          taskid: r.chance(0.5) ? String(r.range(1, 2 ** 31)) + r.hex(4) : undefined,
          param,
        };
        const values = Object.fromEntries(
          Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined),
        );
        let sign: string;
        try {
          sign = r.chance(0.8) ? signRequest(apicode, values, target.accessSecret) : r.hex(32);
        } catch {
          sign = r.hex(32); // a param the signer itself cannot read (nested too deep)
        }
        const asObject = r.chance(0.3);
        const members = Object.entries({ ...env, sign })
          .filter((e): e is [string, string] => e[1] !== undefined)
          .map(([k, v]) => `${JSON.stringify(k)}:${k === 'param' && asObject ? v : JSON.stringify(v)}`);
        return `{${members.join(',')}}`;
      },
    ],
    [
      20,
      () => {
        const members: string[] = [
          `"apicode":${JSON.stringify(apicode)}`,
          `"token":${JSON.stringify(token ?? '')}`,
        ];
        for (let n = r.range(0, 6); n > 0; n--) members.push(`${keyText(r)}:${jsonText(r, 1)}`);
        return `{${members.join(',')}}`;
      },
    ],
    [20, () => jsonText(r)],
    [10, () => text(r)],
    [5, () => `${'['.repeat(r.range(100, 50_000))}`],
  ])();
}

export async function fuzzHttp(
  target: PlatformTarget,
  opts: { inputs: number; seed: number; answerTimeoutMs?: number; concurrency?: number },
): Promise<HttpFuzzResult> {
  const url = target.httpUrl;
  if (!url) throw new NotRun('no --http address was given (clause 1.4)');
  const ms = opts.answerTimeoutMs ?? 5000;
  // A real token makes most envelopes reach the checks behind the token's.
  let token: string | undefined;
  const wire = await Wire.open(target, new Evidence());
  try {
    token = await authenticate(wire, target);
  } catch {
    token = undefined;
  } finally {
    wire.close();
  }
  const result: HttpFuzzResult = {
    inputs: opts.inputs,
    answered: 0,
    refused: {},
    closed: 0,
    findings: [],
    findingCount: 0,
    elapsedMs: 0,
  };
  const started = Date.now();
  const find = (f: HttpFuzzFinding) => {
    result.findingCount++;
    if (result.findings.length < KEPT) result.findings.push(f);
  };
  let nextInput = 0;
  const lane = async () => {
    for (let i = nextInput++; i < opts.inputs; i = nextInput++) {
      const b = body(new Rand(mix(opts.seed ^ 0x48545450, i)), target, token);
      const shown = b.length > BODY_SHOWN ? `${b.slice(0, BODY_SHOWN)}…` : b;
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: b,
          signal: AbortSignal.timeout(ms),
        });
      } catch (e) {
        if ((e as Error).name === 'TimeoutError')
          find({ input: i, kind: 'hang', reason: `no answer within ${ms} ms`, body: shown });
        else result.closed++;
        continue;
      }
      const raw = await res.text().catch(() => '');
      if (res.status >= 500) {
        find({ input: i, kind: 'status', reason: `HTTP ${res.status}: ${raw.slice(0, 200)}`, body: shown });
        continue;
      }
      let a: { success?: unknown; error?: { errorcode?: unknown } } | undefined;
      try {
        const v: unknown = JSON.parse(raw);
        a = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as typeof a) : undefined;
      } catch {
        a = undefined;
      }
      if (!a || typeof a.success !== 'boolean') {
        find({
          input: i,
          kind: 'not-an-answer',
          reason: `HTTP ${res.status}, not an answer object: ${raw.slice(0, 200)}`,
          body: shown,
        });
        continue;
      }
      if (a.success) {
        result.answered++;
        continue;
      }
      const code = a.error?.errorcode;
      if (typeof code !== 'string' || !errorByCode(code)) {
        find({
          input: i,
          kind: 'undocumented',
          reason: `errorcode ${JSON.stringify(code)} is not in the catalogue`,
          body: shown,
        });
        continue;
      }
      result.refused[code] = (result.refused[code] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, lane));
  result.elapsedMs = Date.now() - started;
  return result;
}

/** The HTTP pass as a check (clause 1.2: HTTP POST application/json). */
export function httpFuzzCheck(inputs: number, seed: number): Check<PlatformTarget> {
  return {
    id: 'fuzz.http',
    clause: '1.2',
    title: `${inputs} random and mutated HTTP bodies are each answered with a JSON answer of a documented code`,
    async run(target: PlatformTarget, ev: Evidence) {
      const r = await fuzzHttp(target, { inputs, seed });
      const refused = Object.entries(r.refused)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([code, n]) => `${code}×${n}`)
        .join(' ');
      ev.note(
        `seed ${seed}: ${r.inputs} bodies in ${r.elapsedMs} ms: ${r.answered} answered success, ` +
          `${r.closed} closed, refused ${refused || 'none'}; ${r.findingCount} findings`,
      );
      for (const f of r.findings.slice(0, 3)) {
        ev.sent(Buffer.from(f.body), `input ${f.input}`);
        ev.note(`${f.kind}: ${f.reason}`);
      }
      if (r.findingCount > 0)
        throw new CheckFailure(
          `${r.findingCount} of ${r.inputs} bodies were not answered with a documented code (seed ${seed}): ` +
            r.findings
              .slice(0, 3)
              .map((f) => `input ${f.input}: ${f.kind}: ${f.reason}`)
              .join('; '),
        );
    },
  };
}
