/**
 * The person-code verifier on the sign-in path (docs/qr-codes.md): how many verify()
 * calls a second one thread makes, against the same run's baseline of bare Ed25519
 * verifications (node:crypto) of the same codes: the difference is decoding, the key
 * lookup and the checks. SQLite in a temp dir holds the keys; after the warm-up no call
 * reads it. Asserts nothing on time.
 *
 *   node --conditions=source --import tsx bench/qr/run.ts [--seconds 2] [--sites 50]
 */

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeCode, encodeCode } from '../../packages/platform/src/domain/qr/codec.js';
import {
  privateKeyFromText,
  publicKeyFromRaw,
  signer,
  verifies,
} from '../../packages/platform/src/domain/qr/keys.js';
import { QrCodes } from '../../packages/platform/src/domain/qr/service.js';
import { SecretBox } from '../../packages/platform/src/domain/secrets.js';
import { TimeIds } from '../../packages/platform/src/ids.js';
import { openStore } from '../../packages/platform/src/store/index.js';
import { dec, int, type Row, ratio, table } from '../lib/table.js';
import { hostLines } from '../protocol/host.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '2' }, sites: { type: 'string', default: '50' } },
});
const seconds = Number(values.seconds);
const siteCount = Number(values.sites);

/** Calls of `step` per second over `seconds`, after a short untimed warm-up. */
async function rate(step: (i: number) => unknown | Promise<unknown>): Promise<number> {
  for (let i = 0; i < 2000; i++) await step(i);
  let n = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  while (performance.now() < until) for (let k = 0; k < 500; k++) await step(n++);
  return n / ((performance.now() - start) / 1000);
}

const dir = await mkdtemp(join(tmpdir(), 'kaoqin-bench-qr-'));
const ids = new TimeIds();
const store = await openStore({ dataDir: dir, ids });
try {
  const now = Date.now();
  const box = new SecretBox(randomBytes(32));
  const qr = new QrCodes(store, box);
  // A key per site and a code signed with it (the codec and the key issue() would use;
  // issue() itself also checks an assignment, which is not what is measured here).
  const codes: { code: string; siteId: string }[] = [];
  const t = Math.floor(now / 1000);
  for (let s = 0; s < siteCount; s++) {
    const siteId = ids.next();
    const key = await qr.rotate(siteId);
    const sign = signer(privateKeyFromText(box.open(key.privateKeyEnc)));
    const code = encodeCode(
      { keyId: key.keyId, personId: ids.next(), issuedAt: t, expiresAt: t + 30 * 86_400 },
      sign,
    );
    codes.push({ code, siteId });
  }
  const decoded = codes.map((c) => ({ d: decodeCode(c.code)!, siteId: c.siteId }));
  const keys = new Map(
    (await store.qr.allKeys()).map((k) => [k.keyId, publicKeyFromRaw(Buffer.from(k.publicKey, 'base64'))]),
  );
  const fresh = new QrCodes(store, new SecretBox(randomBytes(32)));
  await fresh.load();
  const baseline = await rate((i) => {
    const { d } = decoded[i % decoded.length]!;
    return verifies(keys.get(d.keyId)!, d.signed, d.signature);
  });
  const verify = await rate((i) => {
    const c = codes[i % codes.length]!;
    return fresh.verify(c.code, c.siteId, now);
  });
  const malformed = await rate(() => fresh.verify('not a code', null, now));
  const rows: Row[] = [
    [
      `verify() of valid codes, ${siteCount} sites, calls/s`,
      int.format(verify),
      int.format(baseline),
      ratio(verify, baseline),
      '',
      '',
    ],
    [
      'µs per verify()',
      dec(1).format(1e6 / verify),
      dec(1).format(1e6 / baseline),
      ratio(baseline, verify),
      '',
      '',
    ],
    ['verify() of a malformed text, calls/s', int.format(malformed), '', '', '', ''],
  ];
  console.log(hostLines().join('\n'));
  console.log('baseline: bare Ed25519 verification (node:crypto) of the same codes, same run\n');
  console.log(table(rows));
} finally {
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
