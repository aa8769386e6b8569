/**
 * Accounts, logins and sessions for the management API and the console. A login hands
 * out a random bearer token; the store keeps only its sha256, and a session ends at its
 * expiry, at logout, or when the account is disabled or its password reset. Five failed
 * logins in a row lock the account for 15 minutes (counted per account, so guessing is
 * bounded whatever the source address).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { TimeIds } from '../../ids.js';
import type { AccountRow, Role, Store } from '../../store/index.js';
import { ApiError, conflict, invalid, notFound } from '../problems.js';
import { generatePassword, hashPassword, verifyPassword } from './passwords.js';
import type { Principal } from './principal.js';

export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MS = 15 * 60_000;

export interface AccountsOptions {
  sessionTtlMs: number;
  passwordHashCost: number;
}

export interface NewAccount {
  username: string;
  password?: string;
  role: Role;
  siteIds?: string[];
  vendorId?: string | null;
}

export interface LoginResult {
  token: string;
  expiresAt: number;
  account: AccountRow;
}

const USERNAME = /^[A-Za-z0-9_.@-]{2,64}$/;

export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

export class Accounts {
  readonly #store: Store;
  readonly #opts: AccountsOptions;
  readonly #now: () => number;
  readonly #ids: TimeIds;
  /** A hash to compare against when the username is unknown, so timing does not tell. */
  #dummy: Promise<string> | undefined;

  constructor(store: Store, opts: AccountsOptions, now: () => number, ids: TimeIds) {
    this.#store = store;
    this.#opts = opts;
    this.#now = now;
    this.#ids = ids;
  }

  /** Creates an account; the password is generated when none is given and returned once. */
  async create(input: NewAccount): Promise<{ account: AccountRow; password: string }> {
    if (!USERNAME.test(input.username)) throw invalid('body.username', '2–64 letters, digits or _ . @ -');
    const password = input.password ?? generatePassword();
    checkPasswordStrength(password);
    if (input.role === 'vendor' && !input.vendorId)
      throw invalid('body.vendorId', 'a vendor account needs a vendorId');
    if (input.vendorId && !(await this.#store.vendors.byId(input.vendorId)))
      throw invalid('body.vendorId', 'no such vendor');
    for (const [i, siteId] of (input.siteIds ?? []).entries())
      if (!(await this.#store.sites.get(siteId))) throw invalid(`body.siteIds.${i}`, 'no such site');
    if (await this.#store.accounts.byUsername(input.username))
      throw conflict({ en: 'username taken', zh: '用户名已存在' });
    const now = this.#now();
    const account: AccountRow = {
      id: this.#ids.next(),
      username: input.username,
      passwordHash: await hashPassword(password, this.#opts.passwordHashCost),
      role: input.role,
      siteIds: input.role === 'site_manager' ? [...new Set(input.siteIds ?? [])] : [],
      vendorId: input.role === 'vendor' ? (input.vendorId ?? null) : null,
      disabled: false,
      failedLogins: 0,
      lockedUntil: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.#store.accounts.insert(account);
    return { account, password };
  }

  /** First start: the `admin` account, when there is no account at all. */
  async ensureAdmin(password: string | undefined): Promise<{ created: boolean; password?: string }> {
    if ((await this.#store.accounts.count()) > 0) return { created: false };
    try {
      const { password: pw } = await this.create({
        username: 'admin',
        role: 'admin',
        ...(password !== undefined ? { password } : {}),
      });
      return { created: true, password: pw };
    } catch (err) {
      // Processes starting together on a fresh database (serve --workers) race to make
      // the first admin: the one that loses finds it made.
      if (await this.#store.accounts.byUsername('admin')) return { created: false };
      throw err;
    }
  }

  async login(username: string, password: string, ip: string | null): Promise<LoginResult> {
    const now = this.#now();
    const account = await this.#store.accounts.byUsername(username);
    if (!account) {
      // Spend the same time as a real check, so a response time does not reveal names.
      this.#dummy ??= hashPassword('not a password', this.#opts.passwordHashCost);
      await verifyPassword(password, await this.#dummy, this.#opts.passwordHashCost);
      throw badLogin();
    }
    if (account.lockedUntil !== null && account.lockedUntil > now) {
      const seconds = Math.ceil((account.lockedUntil - now) / 1000);
      throw new ApiError(
        'rate_limited',
        {
          en: `account locked after ${MAX_FAILED_LOGINS} failed logins`,
          zh: `连续${MAX_FAILED_LOGINS}次登录失败，账号已锁定`,
        },
        undefined,
        { 'retry-after': String(seconds) },
      );
    }
    const v = await verifyPassword(password, account.passwordHash, this.#opts.passwordHashCost);
    if (!v.ok || account.disabled) {
      if (!v.ok) {
        const failed =
          (account.lockedUntil !== null && account.lockedUntil <= now ? 0 : account.failedLogins) + 1;
        await this.#store.accounts.update(account.id, {
          failedLogins: failed,
          lockedUntil: failed >= MAX_FAILED_LOGINS ? now + LOCKOUT_MS : null,
        });
      }
      throw badLogin();
    }
    // A clean account needs no write: a login costs one commit (the session), not two.
    if (account.failedLogins !== 0 || account.lockedUntil !== null || v.rehash)
      await this.#store.accounts.update(account.id, {
        failedLogins: 0,
        lockedUntil: null,
        ...(v.rehash ? { passwordHash: await hashPassword(password, this.#opts.passwordHashCost) } : {}),
      });
    const token = randomBytes(32).toString('base64url');
    const expiresAt = now + this.#opts.sessionTtlMs;
    await this.#store.sessions.insert({
      tokenHash: tokenHash(token),
      accountId: account.id,
      createdAt: now,
      expiresAt,
      ip,
    });
    return { token, expiresAt, account };
  }

  /** The principal behind a bearer token, or undefined when it is unknown, expired or its account disabled. */
  authenticate(token: string, ip: string): Promise<Principal | undefined> {
    return this.session(tokenHash(token), ip);
  }

  /** The caller of a session while it is valid: what a long-lived event stream re-checks. */
  async session(hash: string, ip: string): Promise<Principal | undefined> {
    // One query per request (session joined to its account), not two round trips.
    const found = await this.#store.sessions.withAccount(hash);
    if (!found) return undefined;
    const { session, account } = found;
    if (session.expiresAt <= this.#now()) {
      await this.#store.sessions.delete(hash);
      return undefined;
    }
    if (account.disabled) return undefined;
    return {
      accountId: account.id,
      username: account.username,
      role: account.role,
      siteIds: account.siteIds,
      vendorId: account.vendorId,
      sessionHash: hash,
      ip,
    };
  }

  logout(sessionHash: string): Promise<void> {
    return this.#store.sessions.delete(sessionHash);
  }

  async resetPassword(
    username: string,
    password?: string,
  ): Promise<{ account: AccountRow; password: string }> {
    const account = await this.#byName(username);
    const pw = password ?? generatePassword();
    checkPasswordStrength(pw);
    await this.#store.accounts.update(account.id, {
      passwordHash: await hashPassword(pw, this.#opts.passwordHashCost),
      failedLogins: 0,
      lockedUntil: null,
      updatedAt: this.#now(),
    });
    await this.#store.sessions.deleteForAccount(account.id);
    return { account, password: pw };
  }

  async setDisabled(username: string, disabled: boolean): Promise<AccountRow> {
    const account = await this.#byName(username);
    const updatedAt = this.#now();
    await this.#store.accounts.update(account.id, { disabled, updatedAt });
    if (disabled) await this.#store.sessions.deleteForAccount(account.id);
    return { ...account, disabled, updatedAt };
  }

  async update(
    username: string,
    patch: { role?: Role; siteIds?: string[]; vendorId?: string | null },
  ): Promise<AccountRow> {
    const account = await this.#byName(username);
    for (const [i, siteId] of (patch.siteIds ?? []).entries())
      if (!(await this.#store.sites.get(siteId))) throw invalid(`body.siteIds.${i}`, 'no such site');
    if (patch.vendorId && !(await this.#store.vendors.byId(patch.vendorId)))
      throw invalid('body.vendorId', 'no such vendor');
    const role = patch.role ?? account.role;
    if (role === 'vendor' && !(patch.vendorId ?? account.vendorId))
      throw invalid('body.vendorId', 'a vendor account needs a vendorId');
    const next = {
      role,
      siteIds: role === 'site_manager' ? [...new Set(patch.siteIds ?? account.siteIds)] : [],
      vendorId: role === 'vendor' ? (patch.vendorId ?? account.vendorId) : null,
      updatedAt: this.#now(),
    };
    await this.#store.accounts.update(account.id, next);
    return { ...account, ...next };
  }

  get(username: string): Promise<AccountRow> {
    return this.#byName(username);
  }

  async #byName(username: string): Promise<AccountRow> {
    const account = await this.#store.accounts.byUsername(username);
    if (!account) throw notFound({ en: `no account ${username}`, zh: `账号 ${username} 不存在` });
    return account;
  }
}

function badLogin(): ApiError {
  return new ApiError('unauthenticated', { en: 'wrong username or password', zh: '用户名或密码错误' });
}

export function checkPasswordStrength(password: string): void {
  if (password.length < 8 || password.length > 256) throw invalid('body.password', '8 to 256 characters');
}
