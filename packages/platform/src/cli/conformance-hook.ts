/**
 * kaoqin conformance hook: the conformance kit's operator hook (docs/conformance.md, "The
 * operator hook") for our own platform, through its management API as any operator's
 * script would call it. It reads one action as JSON on stdin and answers JSON on stdout:
 *
 *   {"action":"enrol","sn":"…","count":12}  →  {"personIds":["…", …]}
 *   {"action":"firmware","sn":"…"}          →  {"version":"…","size":65536}
 *   {"action":"remove","sn":"…","personId":"…"}, {"action":"reconcile","sn":"…"},
 *   {"action":"clear","sn":"…"}              →  {}
 *   {"action":"rotate","sn":"…","accessId":"…"}  →  {"accessSecret":"…"}
 *   {"action":"rename","sn":"…","personId":"…","name":"…"}  →  {}
 *
 * enrol binds the device to a site of its own first when it serves none (that sends it
 * the site's roster), then enrols `count` persons on that site, each with --photo as
 * their face (a real face where the platform runs its face detector).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { parseArgs } from 'node:util';
import { UsageError } from './args.js';

const USAGE =
  'usage: kaoqin conformance hook --api http://HOST:8080/api/v1 --username U --password P --photo FILE  (an action as JSON on stdin)';

const ACTIONS = ['enrol', 'firmware', 'remove', 'reconcile', 'clear', 'rotate', 'rename'];

interface Api {
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: unknown }>;
}

function api(base: string, token?: string): Api {
  return {
    async call(method, path, body, headers = {}) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(body !== undefined && !(body instanceof Uint8Array)
            ? { 'content-type': 'application/json' }
            : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        ...(body instanceof Uint8Array ? { body } : body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const t = await res.text();
      return { status: res.status, body: t ? (JSON.parse(t) as unknown) : undefined };
    },
  };
}

/** A valid 公民身份号码 (GB 11643: region, birth date, sequence, MOD 11-2 check character). */
export function testIdNumber(): string {
  const birth = new Date(Date.UTC(1970, 0, 1) + randomInt(0, 30 * 365) * 86_400_000);
  const ymd = birth.toISOString().slice(0, 10).replaceAll('-', '');
  const body = `330102${ymd}${String(randomInt(0, 1000)).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, d, i) => s + Number(d) * weights[i]!, 0);
  return body + '10X98765432'[sum % 11]!;
}

function must(r: { status: number; body: unknown }, ok: number[], what: string): Record<string, unknown> {
  if (!ok.includes(r.status)) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return (r.body ?? {}) as Record<string, unknown>;
}

export async function conformanceHookCommand(argv: string[]): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        api: { type: 'string' },
        username: { type: 'string' },
        password: { type: 'string' },
        photo: { type: 'string' },
      },
      strict: true,
    }));
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n${USAGE}`);
  }
  const need = (name: string): string => {
    const v = values[name];
    if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required\n${USAGE}`);
    return v;
  };
  const options = {
    api: need('api'),
    username: need('username'),
    password: need('password'),
    photo: need('photo'),
  };
  const answer = await hookAnswer(options, JSON.parse(await text(process.stdin)));
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}

/** The options the command takes (--api, --username, --password, --photo). */
export interface HookOptions {
  api: string;
  username: string;
  password: string;
  photo: string;
}

/** One action's answer, what the command writes on stdout (the tests' URL hook answers it too). */
export async function hookAnswer(
  options: HookOptions,
  action: {
    action?: unknown;
    sn?: unknown;
    count?: unknown;
    personId?: unknown;
    accessId?: unknown;
    name?: unknown;
  },
): Promise<unknown> {
  const base = options.api.replace(/\/+$/, '');
  const { username, password } = options;
  const photoFile = options.photo;
  if (typeof action.sn !== 'string' || !ACTIONS.includes(String(action.action)))
    throw new UsageError(
      `unknown action ${JSON.stringify(action)}: this hook does ${ACTIONS.join(', ')} (docs/conformance.md, "The operator hook")`,
    );
  const login = must(await api(base).call('POST', '/auth/login', { username, password }), [200], 'login');
  const a = api(base, String(login.token));
  if (action.action === 'firmware') return firmware(a, action.sn);
  if (action.action === 'rotate') return rotate(a, action.accessId);
  if (action.action === 'rename') return rename(a, action.personId, action.name);
  if (action.action === 'remove' || action.action === 'reconcile' || action.action === 'clear')
    return roster(a, action.sn, action.action, action.personId);
  if (!Number.isInteger(action.count) || Number(action.count) < 1 || Number(action.count) > 100)
    throw new UsageError('count must be a whole number 1–100');
  const count = Number(action.count);
  const sn = encodeURIComponent(action.sn);
  const device = must(await a.call('GET', `/devices/${sn}`), [200], `device ${action.sn}`);
  let siteId = typeof device.siteId === 'string' ? device.siteId : undefined;
  if (!siteId) {
    const site = must(await a.call('POST', '/sites', { name: `一致性测试 ${action.sn}` }), [201], 'site');
    siteId = String(site.id);
    must(await a.call('POST', `/devices/${sn}/bind`, { siteId }), [200, 202], 'bind');
  }
  const personIds: string[] = [];
  for (let i = 0; i < count; i++) {
    for (let attempt = 0; ; attempt++) {
      const idNumber = testIdNumber();
      const r = await a.call('POST', '/persons', {
        name: `一致性测试${String(personIds.length + 1).padStart(2, '0')}`,
        idNumber,
        gender: Number(idNumber[16]) % 2 === 1 ? '男' : '女',
        photos: [(await readFile(photoFile)).toString('base64')],
        assignments: [{ siteId, company: '一致性测试', team: '测试班', trade: '测试' }],
      });
      if (r.status === 409 && attempt < 5) continue; // an ID number already enrolled: draw another
      personIds.push(String(must(r, [201], 'enrol').personId));
      break;
    }
  }
  return { personIds };
}

/**
 * firmware: a platform-wide image of 64 KiB of random bytes, version `conformance-<time>`,
 * uploaded and rolled out to the one device.
 */
async function firmware(a: Api, sn: string): Promise<unknown> {
  const version = `conformance-${Date.now()}`;
  const bytes = randomBytes(64 * 1024);
  const query = `version=${encodeURIComponent(version)}&fileName=${encodeURIComponent(`${version}.bin`)}`;
  const image = must(
    await a.call('POST', `/firmware?${query}`, bytes, { 'content-type': 'application/octet-stream' }),
    [201],
    'firmware upload',
  );
  must(
    await a.call('POST', `/firmware/${String(image.firmwareId)}/rollout`, { deviceSns: [sn] }),
    [200, 201, 202],
    'rollout',
  );
  return { version, size: bytes.byteLength };
}

/**
 * remove: ends the person's assignment to the device's site (T_DEL_DEVICE_PERSON follows);
 * reconcile and clear: the device actions of the same names.
 */
async function roster(
  a: Api,
  sn: string,
  action: 'remove' | 'reconcile' | 'clear',
  personId: unknown,
): Promise<unknown> {
  const path = `/devices/${encodeURIComponent(sn)}`;
  if (action !== 'remove') {
    must(
      await a.call('POST', `${path}/${action}`, action === 'reconcile' ? {} : undefined),
      [200, 201, 202],
      action,
    );
  } else {
    if (typeof personId !== 'string') throw new UsageError('remove needs a personId');
    const device = must(await a.call('GET', path), [200], `device ${sn}`);
    const person = must(
      await a.call('GET', `/persons/${encodeURIComponent(personId)}`),
      [200],
      `person ${personId}`,
    );
    const assignments = (person.assignments ?? []) as {
      assignmentId?: unknown;
      siteId?: unknown;
      status?: unknown;
    }[];
    const here = assignments.find((x) => x.siteId === device.siteId && x.status === 'active');
    if (!here) throw new Error(`person ${personId} has no active assignment on the site of ${sn}`);
    must(
      await a.call(
        'POST',
        `/persons/${encodeURIComponent(personId)}/assignments/${String(here.assignmentId)}/end`,
        {},
      ),
      [200],
      'end',
    );
  }
  return {};
}

/**
 * rotate: a new accessSecret for the vendor whose accessId the kit plays (found by
 * paging the vendor list, which never shows a secret); the old one's tokens fail 401_02.
 */
async function rotate(a: Api, accessId: unknown): Promise<unknown> {
  if (typeof accessId !== 'string' || accessId === '') throw new UsageError('rotate needs an accessId');
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const page = must(await a.call('GET', `/vendors?limit=100${query}`), [200], 'vendors');
    const items = (page.items ?? []) as { vendorId?: unknown; accessId?: unknown }[];
    const vendor = items.find((v) => v.accessId === accessId);
    if (vendor) {
      const creds = must(
        await a.call('POST', `/vendors/${encodeURIComponent(String(vendor.vendorId))}/rotate`, {}),
        [200],
        'rotate',
      );
      return { accessSecret: creds.accessSecret };
    }
    cursor = typeof page.nextCursor === 'string' ? page.nextCursor : null;
  } while (cursor !== null);
  throw new Error(`no vendor has accessId ${accessId}`);
}

/** rename: the person's name changed through the API, which sends it to the site's devices (3.4). */
async function rename(a: Api, personId: unknown, name: unknown): Promise<unknown> {
  if (typeof personId !== 'string' || typeof name !== 'string' || name === '')
    throw new UsageError('rename needs a personId and a name');
  must(await a.call('PATCH', `/persons/${encodeURIComponent(personId)}`, { name }), [200], 'rename');
  return {};
}
