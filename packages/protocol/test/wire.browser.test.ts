/**
 * The browser entry stays browser-safe: esbuild bundles src/wire/index.ts for the browser
 * with nothing external (a `node:` import anywhere it reaches fails the build), the bundle
 * names no Buffer, and it signs, frames and reads answers with Buffer, process and
 * require out of scope.
 */
import { fileURLToPath } from 'node:url';
import { type AnswerVector, type RequestVector, signRequest } from '@kaoqin/protocol';
import type * as Wire from '@kaoqin/protocol/wire';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes, loadVectors } from './vectors.js';

const entry = fileURLToPath(new URL('../src/wire/index.ts', import.meta.url));
const { fixtures, cases } = loadVectors<{
  fixtures: { accessSecret: string; version: string; sn: string; accessId: string; accessKey: string };
  cases: RequestVector[];
}>('requests.json');
const answers = loadVectors<{ cases: AnswerVector[] }>('answers.json').cases;

/** The entry bundled as a browser page would have it: one script, minified, comments dropped. */
async function bundle() {
  return build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'kaoqinWire',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
}

describe('@kaoqin/protocol/wire in a browser', () => {
  let code = '';
  let inputs: string[] = [];

  beforeAll(async () => {
    const result = await bundle();
    code = result.outputFiles[0]!.text;
    inputs = Object.keys(result.metafile.inputs);
  }, 60_000);

  it('bundles for the browser with no node: module and no Buffer', () => {
    expect(inputs.some((p) => p.endsWith('src/wire/index.ts'))).toBe(true);
    expect(inputs.filter((p) => p.startsWith('node:'))).toEqual([]);
    // Minified without comments: a name left in the text is code that uses it.
    expect(code.match(/\bBuffer\b/g) ?? []).toEqual([]);
    expect(code.match(/\brequire\(/g) ?? []).toEqual([]);
  });

  it('leaves out the Node-only files', () => {
    const own = inputs
      .filter((p) => p.includes('packages/protocol/src/'))
      .map((p) => p.replace(/.*\/src\//, ''));
    expect(own).not.toContain('sign.ts');
    expect(own).not.toContain('envelope.ts');
    expect(own).not.toContain('check.ts');
    expect(own).toContain('sign-text.ts');
  });

  it('signs, frames and reads with Buffer, process and require out of scope', () => {
    const run = new Function('Buffer', 'process', 'require', 'global', `${code}; return kaoqinWire;`);
    const w = run(undefined, undefined, undefined, undefined) as typeof Wire;
    const auth = cases.find((c) => c.apicode === 'C_AUTH')!;
    const r = auth.request;
    const frame = w.signedAuthFrame(
      {
        version: r.version!,
        sn: r.sn!,
        accessId: r.accessId!,
        accessKey: r.accessKey!,
        timeStamp: r.timeStamp!,
      },
      fixtures.accessSecret,
    );
    expect(bytesToHex(frame)).toBe(auth.frameHex);
    const signIn = cases.find((c) => c.apicode === 'C_SIGN_IN' && c.request.param?.includes('"img"'))!;
    const { version, sn, token, apicode, timeStamp, param } = signIn.request;
    const values = { version, sn, token, apicode, timeStamp, param };
    expect(w.signRequest('C_SIGN_IN', values, fixtures.accessSecret)).toBe(signIn.sign);
    expect(w.signRequest('C_SIGN_IN', values, fixtures.accessSecret)).toBe(
      signRequest('C_SIGN_IN', values, fixtures.accessSecret),
    );
    const [payload] = new w.FrameDecoder().push(hexToBytes(signIn.frameHex!));
    expect(w.decodeRequestPayload(payload!).sign).toBe(signIn.sign);
    const authAnswer = answers.find((c) => c.apicode === 'C_AUTH' && c.fields.success)!;
    const [answer] = new w.FrameDecoder().push(hexToBytes(authAnswer.frameHex!));
    expect(w.readAnswerPayload(answer!).response).toBe(authAnswer.fields.response);
  });
});
