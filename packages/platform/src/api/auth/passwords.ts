/**
 * Password hashes: scrypt from node:crypto (no native add-on), encoded with their
 * parameters (`scrypt$<log2N>$<r>$<p>$<salt>$<hash>`), so raising the cost later only
 * needs a new default: old hashes still verify, and are rehashed at the next login.
 *
 * Cost: the default log2N = 11, r = 8, p = 1 (2 MiB, ~4 ms a hash on this class of
 * machine) is chosen for the management API's target of 200 logins/s per core; the
 * lockout (5 failures, 15 min) bounds online guessing. An operator who wants more
 * resistance to offline guessing of a stolen database sets KAOQIN_PASSWORD_HASH_COST
 * (12 doubles the cost, 14 is ~40 ms). docs/api.md says this too.
 */
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

const KEY_BYTES = 32;

function scryptAsync(password: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_BYTES, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

const memOf = (log2n: number, r: number) => 128 * r * 2 ** log2n * 2 + 1024 * 1024;

export async function hashPassword(password: string, log2n: number): Promise<string> {
  const salt = randomBytes(16);
  const r = 8;
  const p = 1;
  const key = await scryptAsync(password, salt, { N: 2 ** log2n, r, p, maxmem: memOf(log2n, r) });
  return `scrypt$${log2n}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export interface Verified {
  ok: boolean;
  /** The hash was made with a cost other than the current one: store a new hash. */
  rehash: boolean;
}

export async function verifyPassword(password: string, encoded: string, log2n: number): Promise<Verified> {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return { ok: false, rehash: false };
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64');
  const key = await scryptAsync(password, Buffer.from(salt, 'base64'), {
    N: 2 ** Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: memOf(Number(n), Number(r)),
  });
  const ok = key.length === expected.length && timingSafeEqual(key, expected);
  return { ok, rehash: ok && Number(n) !== log2n };
}

/** A password a person can type from a printout: 20 characters, ~119 bits. */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = randomBytes(20);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}
