/** The webhook parts that need no server: URL rules, retry waits, signatures. */
import { describe, expect, it } from 'vitest';
import { retryDelay } from '../../src/webhooks/backoff.js';
import { newWebhookSecret, signature, verifySignature } from '../../src/webhooks/signature.js';
import { isPrivateAddress, urlProblem } from '../../src/webhooks/url.js';

describe('webhook URLs', () => {
  it('takes http and https only, without credentials or fragment', () => {
    expect(urlProblem('https://payroll.example.com/hook?x=1', false)).toBeUndefined();
    expect(urlProblem('http://payroll.example.com:8080/hook', false)).toBeUndefined();
    expect(urlProblem('ftp://example.com/x', true)).toMatch(/http or https/);
    expect(urlProblem('javascript:alert(1)', true)).toMatch(/http or https/);
    expect(urlProblem('https://user:pw@example.com/', true)).toMatch(/credentials/);
    expect(urlProblem('https://example.com/#frag', true)).toMatch(/fragment/);
    expect(urlProblem('example.com/hook', true)).toBe('not a URL');
    expect(urlProblem(`https://example.com/${'a'.repeat(2048)}`, true)).toMatch(/2048/);
  });

  it('refuses private, loopback and link-local addresses only when told to', () => {
    for (const u of [
      'http://127.0.0.1:9000/',
      'http://10.1.2.3/',
      'http://172.16.0.1/',
      'http://192.168.1.10/',
      'http://169.254.169.254/latest',
      'http://[::1]/',
      'http://[fd00::1]/',
      'http://[::ffff:10.0.0.1]/',
      'http://localhost:8080/',
    ]) {
      expect(urlProblem(u, true), u).toBeUndefined();
      expect(urlProblem(u, false), u).toMatch(/private/);
    }
    expect(urlProblem('http://172.32.0.1/', false)).toBeUndefined();
    expect(urlProblem('http://8.8.8.8/', false)).toBeUndefined();
    expect(isPrivateAddress('100.64.0.1')).toBe(true);
    expect(isPrivateAddress('2001:db8::1')).toBe(false);
  });
});

describe('retry waits', () => {
  const o = { baseMs: 10_000, maxMs: 6 * 3_600_000 };
  it('double each attempt between half and all of the step, and stop growing at the cap', () => {
    expect(retryDelay(1, o, () => 0)).toBe(5_000);
    expect(retryDelay(1, o, () => 1)).toBe(10_000);
    expect(retryDelay(2, o, () => 0)).toBe(10_000);
    expect(retryDelay(5, o, () => 1)).toBe(160_000);
    expect(retryDelay(12, o, () => 1)).toBe(20_480_000);
    expect(retryDelay(13, o, () => 1)).toBe(o.maxMs);
    expect(retryDelay(99, o, () => 0)).toBe(o.maxMs / 2);
    for (let a = 1; a < 20; a++) {
      const d = retryDelay(a, o);
      const step = Math.min(o.maxMs, o.baseMs * 2 ** (a - 1));
      expect(d).toBeGreaterThanOrEqual(step / 2);
      expect(d).toBeLessThanOrEqual(step);
    }
  });
});

describe('signatures', () => {
  it('are v1= hex HMAC-SHA256 over timestamp.body, verified in constant time', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    const sig = signature(secret, '1764806462', '{"a":1}');
    expect(sig).toMatch(/^v1=[0-9a-f]{64}$/);
    // Known vector: HMAC-SHA256("key", "1.x")
    expect(signature('key', '1', 'x')).toBe(
      'v1=fc4913c41a7bf793267e2a384f3261c9436ec2cd097bd745e7b0d99113f510ec',
    );
    expect(verifySignature(secret, '1764806462', '{"a":1}', sig)).toBe(true);
    expect(verifySignature(secret, '1764806463', '{"a":1}', sig)).toBe(false);
    expect(verifySignature(secret, '1764806462', '{"a":2}', sig)).toBe(false);
    expect(verifySignature(newWebhookSecret(), '1764806462', '{"a":1}', sig)).toBe(false);
    expect(verifySignature(secret, '1764806462', '{"a":1}', 'v1=00')).toBe(false);
  });
});
