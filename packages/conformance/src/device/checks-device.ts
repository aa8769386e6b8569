/**
 * `kaoqin conformance device`: the steps of one session with the device under test, each
 * a check of the clause it observes. The kit plays the platform (kit-platform.ts); every
 * request the device sends is checked for its fields and its signature.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ATTENDANCE_TYPES, ERRORS, parseTimeStamp } from '@kaoqin/protocol';
import { type Check, must } from '../check.js';
import type { KitTask, Seen } from './kit-platform.js';
import { type DeviceSession, needHook } from './session.js';
import { goodPhoto, next, photoVector } from './steps.js';

/** A device's timeStamp may be this far from the kit's clock (D6: the platform's window). */
const CLOCK_WINDOW_MS = 300_000;

function mustTimeStamp(s: DeviceSession, x: Seen): void {
  const ts = x.req.timeStamp;
  must(ts !== undefined, `${x.req.apicode} without timeStamp`);
  const t = parseTimeStamp(ts);
  must(t !== undefined, `${x.req.apicode} timeStamp ${ts} is not yyyyMMddHHmmss`);
  const off = Math.abs(t - s.kit.now());
  must(
    off <= CLOCK_WINDOW_MS,
    `${x.req.apicode} timeStamp ${ts} is ${Math.round(off / 1000)} s from the platform's clock (China Standard Time)`,
  );
}

const isA = (apicode: string) => (x: Seen) => x.req.apicode === apicode;

export const deviceChecks: Check<DeviceSession>[] = [
  {
    id: 'device.auth',
    clause: '2.1',
    title:
      'the device authenticates: C_AUTH with the issued accessId and accessKey, a timeStamp on time, signed',
    async run(s) {
      const x = await next(s, 'C_AUTH', isA('C_AUTH'));
      s.auth = x;
      must(x.transport === 'tcp', 'C_AUTH came over HTTP, not TCP');
      must(!!x.req.version && !!x.req.sn, 'C_AUTH without version or sn (table 2.1.2)');
      must(
        x.req.accessId === s.kit.creds.accessId && x.req.accessKey === s.kit.creds.accessKey,
        'C_AUTH carries other credentials than the ones issued',
      );
      mustTimeStamp(s, x);
      must(x.signOk, 'C_AUTH sign is not MD5(version+sn+apicode+accessId+accessKey+timeStamp+accessSecret)');
    },
  },
  {
    id: 'device.heartbeat',
    clause: '2.2',
    title:
      'the device heartbeats with its token, param {deviceVersion, deviceIp}, signed, and again within 60 s',
    async run(s) {
      const first = await next(s, 'C_HEARTBEAT after C_AUTH', isA('C_HEARTBEAT'), s.auth?.n ?? 0);
      must(first.refused === undefined, `the heartbeat was refused ${first.refused} (its token or sign)`);
      const p = first.param as { deviceVersion?: unknown; deviceIp?: unknown } | undefined;
      must(
        typeof p?.deviceVersion === 'string' && typeof p.deviceIp === 'string',
        `param lacks deviceVersion or deviceIp strings: ${first.req.param}`,
      );
      mustTimeStamp(s, first);
      const second = await next(s, 'second C_HEARTBEAT', isA('C_HEARTBEAT'), first.n + 1, 60_000);
      must(
        second.at - first.at <= 60_000,
        `heartbeats ${Math.round((second.at - first.at) / 1000)} s apart: offline after 60 s (2.2)`,
      );
    },
  },
  {
    id: 'device.token-lapse',
    clause: '1.1',
    title:
      'a heartbeat answered 401_01 (token lapsed) makes the device authenticate again and go on with the new token',
    async run(s) {
      const from = s.kit.seen.length;
      s.kit.lapseNextToken();
      const refused = await next(
        s,
        'heartbeat to answer 401_01',
        (x) => isA('C_HEARTBEAT')(x) && x.refused === ERRORS.TOKEN_UNKNOWN.code,
        from,
        s.waitMs,
      );
      const auth = await next(s, 'C_AUTH after 401_01', isA('C_AUTH'), refused.n + 1, s.waitMs);
      must(auth.refused === undefined, `the new C_AUTH was refused ${auth.refused}`);
      const after = await next(
        s,
        'request with the new token',
        (x) => x.req.apicode !== 'C_AUTH' && x.transport === 'tcp',
        auth.n + 1,
        s.waitMs,
      );
      must(after.refused === undefined, `the request after re-authenticating was refused ${after.refused}`);
    },
  },
  {
    id: 'device.person-pages',
    clause: '3.3',
    title:
      "an offered T_SEND_PERSON is fetched (T_GET_TASKS) and paged to the end, each request signed, every person's photo downloaded",
    async run(s) {
      const good = goodPhoto();
      const task: KitTask = {
        taskid: String(1_796_000_000_000_000_000n + BigInt(Date.now())),
        apicode: 'T_SEND_PERSON',
        persons: [],
      };
      for (let i = 1; i <= 12; i++) {
        const personId = `KQ${String(i).padStart(4, '0')}`;
        task.persons.push({ personId, name: `一致性测试${i}`, photo: s.kit.photo(`${personId}.jpg`, good) });
      }
      task.persons.push({
        personId: 'KQ-BAD-PHOTO',
        name: '照片不合格',
        photo: s.kit.photo('KQ-BAD-PHOTO.gif', { bytes: photoVector('gif-200x200.gif'), type: 'image/gif' }),
      });
      s.personIds = task.persons.map((p) => p.personId);
      s.taskid = task.taskid;
      const from = s.kit.seen.length;
      s.kit.offer(task);
      const get = await next(
        s,
        'T_GET_TASKS for the offered task',
        (x) => isA('T_GET_TASKS')(x) && JSON.stringify(x.param ?? '').includes(task.taskid),
        from,
        s.waitMs,
      );
      must(get.signOk, 'T_GET_TASKS sign is not MD5(version+sn+token+apicode+param+accessSecret)');
      const pages = new Set<number>();
      let last: Seen = get;
      for (;;) {
        const page = await next(
          s,
          'T_SEND_PERSON page',
          (x) => isA('T_SEND_PERSON')(x) && x.req.taskid === task.taskid,
          last.n + 1,
          s.waitMs,
        );
        must(
          page.signOk,
          'T_SEND_PERSON sign is not MD5(version+sn+token+taskid+apicode+param+accessSecret)',
        );
        const p = page.param as { currentPage?: unknown; size?: unknown } | undefined;
        const n = Number(p?.currentPage);
        must(Number.isInteger(n) && n >= 1, `T_SEND_PERSON param has no currentPage: ${page.req.param}`);
        pages.add(n);
        last = page;
        const size = Math.min(100, Math.max(1, Number(p?.size) || 10));
        if (pages.size >= Math.ceil(task.persons.length / size)) break;
      }
      const deadline = Date.now() + s.waitMs;
      while (Date.now() < deadline && s.kit.photoGets.length < task.persons.length)
        await new Promise((r) => setTimeout(r, 200));
      const missing = task.persons.filter(
        (p) => !s.kit.photoGets.some((g) => p.photo.endsWith(encodeURIComponent(g))),
      );
      must(missing.length === 0, `photos never downloaded for ${missing.map((p) => p.personId).join(', ')}`);
    },
  },
  {
    id: 'device.status-report',
    clause: '3.2',
    title:
      'the task is reported (T_UPDATE_TASKS_STATUS, signed) with personCount and faceCount, and the photo that breaks §1.2 in failedFaces',
    async run(s) {
      must(s.personIds.length > 0, 'no task was sent (device.person-pages did not run)');
      const ours = (y: Seen) =>
        ((y.param as { task?: unknown } | undefined)?.task as { taskid?: unknown }[] | undefined)?.find?.(
          (t) => t?.taskid === s.taskid,
        );
      const x = await next(
        s,
        'T_UPDATE_TASKS_STATUS for the task',
        (y) => isA('T_UPDATE_TASKS_STATUS')(y) && ours(y) !== undefined,
        0,
        s.waitMs,
      );
      must(x.signOk, 'T_UPDATE_TASKS_STATUS sign is not MD5(version+sn+token+apicode+param+accessSecret)');
      const p = (x.param ?? {}) as { personCount?: unknown; faceCount?: unknown };
      const t = ours(x) as { status?: unknown; failedFaces?: unknown; failedPersons?: unknown };
      must([1, 2, 3].includes(Number(t.status)), `task status ${String(t.status)} is not 1, 2 or 3`);
      must(
        Number.isInteger(p.personCount) && Number.isInteger(p.faceCount),
        'personCount or faceCount missing or not whole numbers',
      );
      s.personCount = Number(p.personCount);
      const failedPersons = (Array.isArray(t.failedPersons) ? t.failedPersons : []) as {
        personId?: unknown;
      }[];
      s.failedPersons = failedPersons.map((f) => String(f?.personId));
      const failed = (Array.isArray(t.failedFaces) ? t.failedFaces : []) as {
        personId?: unknown;
        errCode?: unknown;
      }[];
      const bad = failed.find((f) => f?.personId === 'KQ-BAD-PHOTO');
      must(
        bad && typeof bad.errCode === 'string' && bad.errCode !== '',
        'the GIF photo (§1.2: JPG or PNG only) is not in failedFaces with an errCode',
      );
    },
  },
  {
    id: 'device.sign-in',
    clause: '2.3',
    title:
      'a clock-in arrives as C_SIGN_IN: the personId, a type of the dictionary, recordTime in epoch ms, signed with img left out',
    async run(s) {
      const hook = needHook(s);
      const personId = s.personIds[0] ?? 'KQ0001';
      const from = s.kit.seen.length;
      await hook.clockIn(personId);
      const x = await next(
        s,
        `C_SIGN_IN for ${personId}`,
        (y) => isA('C_SIGN_IN')(y) && (y.param as { personId?: unknown })?.personId === personId,
        from,
        s.waitMs,
      );
      must(
        x.signOk,
        'C_SIGN_IN sign is not MD5(version+sn+token+apicode+timeStamp+param+accessSecret) with img left out',
      );
      const p = x.param as { type?: unknown; recordTime?: unknown };
      must(
        (ATTENDANCE_TYPES as readonly number[]).includes(Number(p.type)),
        `type ${String(p.type)} is not one of 1, 2, 4, 8, 16, 32, 64`,
      );
      const t = Number(p.recordTime);
      must(
        Number.isInteger(t) && Math.abs(t - s.kit.now()) < 600_000,
        `recordTime ${String(p.recordTime)} is not epoch milliseconds near now`,
      );
      mustTimeStamp(s, x);
    },
  },
  {
    id: 'device.backlog',
    clause: '2.3',
    title: 'five clock-ins during an outage are all sent once the platform is back, in order, none twice',
    async run(s) {
      const hook = needHook(s);
      const persons = s.personIds.slice(1, 6);
      must(persons.length === 5, 'not enough persons (device.person-pages did not run)');
      const from = s.kit.seen.length;
      const outage = s.kit.outage(5000);
      await new Promise((r) => setTimeout(r, 300));
      for (const p of persons) {
        await hook.clockIn(p);
        await new Promise((r) => setTimeout(r, 20)); // distinct recordTimes, in order
      }
      await outage;
      const ofBacklog = (y: Seen) =>
        isA('C_SIGN_IN')(y) && persons.includes(String((y.param as { personId?: unknown })?.personId));
      const deadline = Date.now() + s.waitMs;
      while (Date.now() < deadline) {
        const acked = new Set(
          s.kit.seen
            .slice(from)
            .filter((y) => ofBacklog(y) && y.refused === undefined)
            .map((y) => String((y.param as { personId: unknown }).personId)),
        );
        if (acked.size === persons.length) break;
        await s.kit.waitFor(() => false, 500);
      }
      const sent = s.kit.seen.slice(from).filter(ofBacklog);
      const acked = sent.filter((y) => y.refused === undefined);
      const ids = acked.map((y) => String((y.param as { personId: unknown }).personId));
      const lost = persons.filter((p) => !ids.includes(p));
      must(
        lost.length === 0,
        `${lost.length} of 5 records never arrived after the outage: ${lost.join(', ')}`,
      );
      must(new Set(ids).size === ids.length, `a record acknowledged once was sent again: ${ids.join(', ')}`);
      const times = acked.map((y) => Number((y.param as { recordTime?: unknown }).recordTime));
      must(
        times.every((t, i) => i === 0 || t >= times[i - 1]!),
        `records arrived out of their order: ${ids.join(', ')}`,
      );
    },
  },
  {
    id: 'device.firmware',
    clause: '3.7',
    title:
      'an offered T_UPDATE_DEVICE_VERSION is fetched, signed, and reported; a device that installs it downloads it first and then heartbeats its version',
    async run(s) {
      const bytes = randomBytes(32 * 1024);
      const version = `kq-conformance-${Date.now()}`;
      const downloadUrl = s.kit.photo(`${version}.bin`, { bytes, type: 'application/octet-stream' });
      const taskid = String(1_796_100_000_000_000_000n + BigInt(Date.now()));
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const from = s.kit.seen.length;
      s.kit.offer({
        taskid,
        apicode: 'T_UPDATE_DEVICE_VERSION',
        descriptor: { version, size: bytes.byteLength, downloadUrl, sha256 },
      });
      const ofTask = (x: Seen) => x.req.taskid === taskid || JSON.stringify(x.param ?? '').includes(taskid);
      const status = await next(
        s,
        'T_UPDATE_TASKS_STATUS for the firmware task',
        (x) => isA('T_UPDATE_TASKS_STATUS')(x) && ofTask(x),
        from,
        s.waitMs,
      );
      must(
        status.signOk,
        'T_UPDATE_TASKS_STATUS sign is not MD5(version+sn+token+apicode+param+accessSecret)',
      );
      const entry = (
        (status.param as { task?: unknown }).task as { taskid?: unknown; status?: unknown }[]
      ).find((t) => t?.taskid === taskid);
      const code = Number(entry?.status);
      must([1, 2, 3].includes(code), `task status ${String(entry?.status)} is not 1, 2 or 3`);
      const fetched = s.kit.seen
        .slice(from)
        .filter((x) => isA('T_UPDATE_DEVICE_VERSION')(x) && x.req.taskid === taskid);
      for (const f of fetched)
        must(
          f.signOk,
          'T_UPDATE_DEVICE_VERSION sign is not MD5(version+sn+token+taskid+apicode+param+accessSecret)',
        );
      if (code === 3) {
        s.kit.evidence?.note(
          'the device answered 3 (不支持): it does not install firmware, which 3.2.2 allows',
        );
        return;
      }
      must(fetched.length > 0, `status ${code} without fetching the task (T_UPDATE_DEVICE_VERSION)`);
      if (code === 1) {
        must(s.kit.photoGets.includes(`${version}.bin`), 'status 1 (done) without downloading the image');
        // Installed means running it: after its restart, the device heartbeats the new version.
        const shows = (x: Seen) =>
          (x.param as { deviceVersion?: unknown } | undefined)?.deviceVersion === version;
        await next(
          s,
          `heartbeat with deviceVersion ${version} after the update`,
          (x) => isA('C_HEARTBEAT')(x) && shows(x),
          status.n + 1,
          s.waitMs,
        );
      }
    },
  },
  {
    id: 'device.clock-skew',
    clause: '1.3',
    title:
      "with the platform's clock 10 minutes ahead, a request answered 400_05 makes the device correct its clock and go on",
    async run(s) {
      const from = s.kit.seen.length;
      s.kit.offsetMs = 600_000;
      try {
        const refused = await next(
          s,
          'request to answer 400_05',
          (x) => x.transport === 'tcp' && x.refused === ERRORS.TIMESTAMP_WINDOW.code,
          from,
          s.waitMs,
        );
        const ok = await next(
          s,
          'request on time after the 400_05',
          (x) => x.transport === 'tcp' && x.refused === undefined,
          refused.n + 1,
          s.waitMs,
        );
        mustTimeStamp(s, ok);
      } finally {
        s.kit.offsetMs = 0;
      }
    },
  },
];
