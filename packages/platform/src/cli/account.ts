/**
 * kaoqin account create|list|reset-password|disable|enable: the management API's accounts
 * from the server's shell, for the first operator and for an admin locked out of the
 * console. The same Accounts service as the API (same checks, same hashes; a reset or a
 * disable ends the account's sessions at once), and every change is in the audit log
 * under the actor `cli:<OS user>`. A generated password is printed once and never stored.
 */
import { userInfo } from 'node:os';
import { ApiError } from '../api/problems.js';
import type { PlatformData } from '../app.js';
import { openData } from '../app.js';
import { type AccountRow, ROLES, type Role } from '../store/index.js';
import { optionalString, type Parsed, parse, requireString, strings, UsageError } from './args.js';
import { iso, printJson, printTable } from './output.js';

/** One line, as every reason the CLI prints (cli.ts). */
const USAGE =
  'usage: kaoqin account create --username U --role R [--site SITE_ID…] [--vendor VENDOR] [--password P] | list | reset-password USERNAME [--password P] | disable USERNAME | enable USERNAME  [--json]';

/** The flag that carries a field the Accounts service names by its API path. */
const FLAG_OF: Record<string, string> = {
  'body.username': '--username',
  'body.password': '--password',
  'body.role': '--role',
  'body.vendorId': '--vendor',
};

/** The service speaks the API's problems; on the command line they name flags. */
function cliError(e: unknown): Error {
  if (!(e instanceof ApiError)) return e as Error;
  const where = (path: string) => FLAG_OF[path] ?? (path.startsWith('body.siteIds.') ? '--site' : path);
  const text = e.errors?.length
    ? e.errors.map((f) => `${where(f.path)}: ${f.message}`).join('; ')
    : e.message;
  return e.code === 'validation_failed' ? new UsageError(text) : new Error(text);
}

const actor = (): string => {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
};

const view = (a: AccountRow) => ({
  username: a.username,
  role: a.role,
  siteIds: a.siteIds,
  vendorId: a.vendorId,
  disabled: a.disabled,
  createdAt: iso(a.createdAt),
});

export async function accountCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const p: Parsed = parse(rest, {
    username: { type: 'string' },
    role: { type: 'string' },
    site: { type: 'string', multiple: true },
    vendor: { type: 'string' },
    password: { type: 'string' },
  });
  // Flags are checked before the data is opened: a typo never touches the store.
  let create: { username: string; role: Role; sites: string[]; vendor: string | undefined } | undefined;
  if (sub === 'create') {
    const role = requireString(p.values, 'role');
    if (!(ROLES as readonly string[]).includes(role))
      throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
    const sites = strings(p.values, 'site');
    const vendor = optionalString(p.values, 'vendor');
    if (sites.length && role !== 'site_manager') throw new UsageError('--site is for the site_manager role');
    if (vendor !== undefined && role !== 'vendor') throw new UsageError('--vendor is for the vendor role');
    create = { username: requireString(p.values, 'username'), role: role as Role, sites, vendor };
  } else if (sub === 'list') {
    // nothing to check
  } else if (sub === 'reset-password' || sub === 'disable' || sub === 'enable') {
    if (!p.positionals[0]) throw new UsageError(USAGE);
  } else throw new UsageError(USAGE);

  const data = await openData(p.config);
  try {
    if (create) await createAccount(data, p, create);
    else if (sub === 'list') await list(data, p.json);
    else await change(data, sub, p.positionals[0]!, p);
  } catch (e) {
    throw cliError(e);
  } finally {
    await data.close();
  }
}

async function createAccount(
  data: PlatformData,
  p: Parsed,
  c: { username: string; role: Role; sites: string[]; vendor: string | undefined },
): Promise<void> {
  const given = optionalString(p.values, 'password');
  const vendorId = c.vendor === undefined ? undefined : (await data.vendors.find(c.vendor)).id;
  const { account, password } = await data.accounts.create({
    username: c.username,
    role: c.role,
    siteIds: c.sites,
    ...(vendorId !== undefined ? { vendorId } : {}),
    ...(given !== undefined ? { password: given } : {}),
  });
  await data.audit.record({
    actor: actor(),
    action: 'account.create',
    resource: 'account',
    resourceId: account.id,
    detail: { username: account.username, role: account.role },
  });
  const shown = given === undefined ? password : undefined;
  if (p.json) printJson({ ...view(account), ...(shown !== undefined ? { password: shown } : {}) });
  else {
    process.stdout.write(`account ${account.username} (${account.role}) created\n`);
    if (shown !== undefined) process.stdout.write(`password ${shown}\nThe password is shown only now.\n`);
  }
}

async function list(data: PlatformData, json: boolean): Promise<void> {
  const rows: AccountRow[] = [];
  // Accounts are people, a few hundred at most: read them all, a page at a time.
  for (let after: string | undefined; ; ) {
    const page = await data.store.accounts.page(after, 500);
    rows.push(...page);
    if (page.length < 500) break;
    after = page[page.length - 1]!.username;
  }
  const now = Date.now();
  const out = rows.map((a) => ({ ...view(a), locked: a.lockedUntil !== null && a.lockedUntil > now }));
  if (json) printJson(out);
  else
    printTable(
      out.map((a) => ({ ...a, siteIds: a.siteIds.join(',') || null })),
      ['username', 'role', 'siteIds', 'vendorId', 'disabled', 'locked', 'createdAt'],
    );
}

async function change(data: PlatformData, sub: string, username: string, p: Parsed): Promise<void> {
  if (sub === 'reset-password') {
    const given = optionalString(p.values, 'password');
    const { account, password } = await data.accounts.resetPassword(username, given);
    await data.audit.record({
      actor: actor(),
      action: 'account.reset_password',
      resource: 'account',
      resourceId: account.id,
    });
    const shown = given === undefined ? password : undefined;
    if (p.json)
      printJson({ username: account.username, ...(shown !== undefined ? { password: shown } : {}) });
    else {
      process.stdout.write(`password of ${account.username} reset; its sessions are ended\n`);
      if (shown !== undefined) process.stdout.write(`password ${shown}\nThe password is shown only now.\n`);
    }
    return;
  }
  const disabled = sub === 'disable';
  const account = await data.accounts.setDisabled(username, disabled);
  await data.audit.record({
    actor: actor(),
    action: 'account.update',
    resource: 'account',
    resourceId: account.id,
    detail: { fields: ['disabled'], disabled },
  });
  if (p.json) printJson(view(account));
  else
    process.stdout.write(
      disabled
        ? `account ${account.username} disabled; its sessions are ended\n`
        : `account ${account.username} enabled\n`,
    );
}
