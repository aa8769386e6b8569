/**
 * Idempotency-Key on POST (api.md "Writes"): a retry gets the first answer, not a second
 * resource; the same key with another request is refused; keys are per account and
 * expire after 24 h.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiPlatform, BACKENDS, startApiPlatform } from '../helpers/api.js';

describe.each(BACKENDS)('Idempotency-Key ($name)', ({ pg }) => {
  let p: ApiPlatform;
  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
  });
  afterAll(() => p.stop());

  const create = (username: string, key: string, token?: string) =>
    p.api.call('POST', '/api/v1/accounts', {
      body: { username, role: 'auditor' },
      headers: { 'idempotency-key': key },
      ...(token ? { token } : {}),
    });

  it('answers a retry with the first answer, and creates one account', async () => {
    const first = await create('idem-a', 'key-1');
    expect(first.status).toBe(201);
    const again = await create('idem-a', 'key-1');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    // The generated password is the first one: the retry did not run the handler again.
    expect(again.body).toEqual(first.body);
    const fresh = await p.api.call('POST', '/api/v1/accounts', {
      body: { username: 'idem-a', role: 'auditor' },
    });
    expect(fresh.status).toBe(409);
  });

  it('replays a refusal the handler gave, too', async () => {
    const first = await create('idem-a', 'key-2');
    expect(first.status).toBe(409);
    const again = await create('idem-a', 'key-2');
    expect(again.status).toBe(409);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('refuses the same key with a different request (422)', async () => {
    expect((await create('idem-b', 'key-3')).status).toBe(201);
    const other = await create('idem-c', 'key-3');
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('unprocessable');
  });

  it('keeps keys apart per account', async () => {
    const r = await p.api.call('POST', '/api/v1/accounts', {
      body: { username: 'idem-admin2', role: 'admin' },
    });
    const token = await p.api.login('idem-admin2', r.body.password);
    expect((await create('idem-d', 'shared-key')).status).toBe(201);
    expect((await create('idem-e', 'shared-key', token)).status).toBe(201);
  });

  it('does not remember a request refused by validation', async () => {
    const bad = await p.api.call('POST', '/api/v1/accounts', {
      body: { username: 'idem-f', role: 'nope' },
      headers: { 'idempotency-key': 'key-4' },
    });
    expect(bad.status).toBe(400);
    expect((await create('idem-f', 'key-4')).status).toBe(201);
  });

  it('forgets keys after 24 hours', async () => {
    expect((await create('idem-g', 'key-5')).status).toBe(201);
    p.clock.advance(24 * 60 * 60_000 + 1);
    p.api = p.api.as(await p.api.login('admin', 'admin-password-for-tests'));
    const later = await create('idem-g', 'key-5');
    expect(later.status).toBe(409); // ran again: the account exists now
    expect(later.headers.get('idempotent-replayed')).toBeNull();
  });
});
