/**
 * kaoqin account create|list|reset-password|disable|enable as an operator runs it (real
 * processes), and what it does to a running platform over HTTP: a generated password
 * logs in, a reset ends the account's sessions and the old password, a disabled account
 * cannot log in, and every change is in the audit log under the CLI's actor.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from './helpers/api.js';
import { kaoqin, type Served, serve } from './helpers/process.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kaoqin-cli-accounts-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

const k = (...args: string[]) => kaoqin([...args, '--data-dir', dataDir]);
const json = async (...args: string[]): Promise<Json> => {
  const r = await k(...args, '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

async function login(
  base: string,
  username: string,
  password: string,
): Promise<{ status: number; token?: string }> {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = (await res.json()) as Json;
  return { status: res.status, token: body.token };
}

const me = async (base: string, token: string) =>
  (await fetch(`${base}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } })).status;

// Each command is a process compiling the sources (tsx): seconds apiece on a busy machine.
describe('kaoqin account', { timeout: 300_000 }, () => {
  let siteId: string;
  let opsPassword: string;

  it('creates accounts, printing a generated password once', async () => {
    siteId = (await json('site', 'create', '--name', '账号测试工地')).siteId;
    const ops = await json('account', 'create', '--username', 'ops1', '--role', 'operator');
    expect(ops).toMatchObject({ username: 'ops1', role: 'operator', siteIds: [], disabled: false });
    expect(ops.password).toMatch(/^\S{12,}$/);
    opsPassword = ops.password;

    const sm = await k('account', 'create', '--username', 'sm1', '--role', 'site_manager', '--site', siteId);
    expect(sm.code, sm.stderr).toBe(0);
    expect(sm.stdout).toMatch(
      /^account sm1 \(site_manager\) created\npassword \S+\nThe password is shown only now\.\n$/,
    );

    // A password given on the command line is not printed back.
    const root = await json(
      'account',
      'create',
      '--username',
      'root',
      '--role',
      'admin',
      '--password',
      'root-password-1',
    );
    expect(root.password).toBeUndefined();

    const listed = await json('account', 'list');
    expect(listed.map((a: Json) => [a.username, a.role, a.siteIds])).toEqual([
      ['ops1', 'operator', []],
      ['root', 'admin', []],
      ['sm1', 'site_manager', [siteId]],
    ]);
    const text = JSON.stringify(listed);
    expect(text).not.toContain(opsPassword);
    expect(text).not.toContain('scrypt');
    expect((await k('account', 'list')).stdout).toMatch(/^username\s+role\s+siteIds/);
  });

  it('refuses bad usage with 2 and failures with 1, naming the flag', async () => {
    const badRole = await k('account', 'create', '--username', 'x1', '--role', 'boss');
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(/--role must be one of/);
    const noSite = await k(
      'account',
      'create',
      '--username',
      'x2',
      '--role',
      'site_manager',
      '--site',
      'nope',
    );
    expect(noSite.code).toBe(2);
    expect(noSite.stderr).toMatch(/--site: no such site/);
    const noVendor = await k('account', 'create', '--username', 'x3', '--role', 'vendor');
    expect(noVendor.code).toBe(2);
    expect(noVendor.stderr).toMatch(/--vendor: a vendor account needs a vendorId/);
    expect(
      (await k('account', 'create', '--username', 'x4', '--role', 'operator', '--site', siteId)).code,
    ).toBe(2);
    const weak = await k(
      'account',
      'create',
      '--username',
      'x5',
      '--role',
      'operator',
      '--password',
      'short',
    );
    expect(weak.code).toBe(2);
    expect(weak.stderr).toMatch(/--password: 8 to 256 characters/);
    const taken = await k('account', 'create', '--username', 'ops1', '--role', 'operator');
    expect(taken.code).toBe(1);
    expect(taken.stderr.trim().split('\n')).toEqual(['kaoqin: username taken']);
    const missing = await k('account', 'disable', 'nobody');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no account nobody/);
    expect((await k('account', 'reset-password')).code).toBe(2);
    // Nothing half-made.
    expect((await json('account', 'list')).map((a: Json) => a.username)).toEqual(['ops1', 'root', 'sm1']);
  });

  it('resets a password for a running platform: the new one logs in, the old one and its sessions end', async () => {
    let served: Served | undefined;
    try {
      served = await serve(['--data-dir', dataDir]);
      const base = `http://127.0.0.1:${served.httpPort}`;
      const first = await login(base, 'ops1', opsPassword);
      expect(first.status).toBe(200);
      expect(await me(base, first.token!)).toBe(200);

      const reset = await json('account', 'reset-password', 'ops1');
      expect(reset.password).toMatch(/^\S{12,}$/);
      expect(reset.password).not.toBe(opsPassword);
      expect(await me(base, first.token!)).toBe(401);
      expect((await login(base, 'ops1', opsPassword)).status).toBe(401);
      const second = await login(base, 'ops1', reset.password);
      expect(second.status).toBe(200);

      const given = await k('account', 'reset-password', 'sm1', '--password', 'chosen-password-2');
      expect(given.code, given.stderr).toBe(0);
      expect(given.stdout).not.toContain('chosen-password-2');
      expect((await login(base, 'sm1', 'chosen-password-2')).status).toBe(200);

      expect((await json('account', 'disable', 'ops1')).disabled).toBe(true);
      expect(await me(base, second.token!)).toBe(401);
      expect((await login(base, 'ops1', reset.password)).status).toBe(401);
      expect((await json('account', 'enable', 'ops1')).disabled).toBe(false);
      expect((await login(base, 'ops1', reset.password)).status).toBe(200);

      const root = await login(base, 'root', 'root-password-1');
      const audit = (await (
        await fetch(`${base}/api/v1/audit?resource=account&limit=20`, {
          headers: { authorization: `Bearer ${root.token}` },
        })
      ).json()) as Json;
      const byCli = audit.items.filter((a: Json) => /^cli(:|$)/.test(a.actor)).map((a: Json) => a.action);
      expect(byCli).toEqual([
        'account.update',
        'account.update',
        'account.reset_password',
        'account.reset_password',
        'account.create',
        'account.create',
        'account.create',
      ]);
    } finally {
      served?.child.kill('SIGTERM');
      if (served) expect(await served.exited).toBe(0);
    }
  });
});
