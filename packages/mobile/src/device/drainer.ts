/**
 * Sends the queue: the oldest records first, up to 32 type-64 C_SIGN_IN frames a body
 * (the bridge's limit, §12.5), each record removed only once the platform answered it
 * success (stored, or already stored: re-sending is safe, the platform keys a clock-in
 * on (sn, personId, recordTime, type)) or refused it for good (kept in the failed list
 * for the worker). A lapsed token is renewed and the rest sent again; a busy platform
 * or a lost network leaves the records for the next run.
 *
 * One drainer at a time, across tabs too (navigator.locks): two would send the same
 * records twice, harmless to the platform but twice the photos over a slow link. It
 * runs after each clock-in, when the browser comes online, and on an interval.
 */
import { base64Encode, ERRORS, errorByCode } from '@kaoqin/protocol/wire';
import type { QueuedRecord, Registration } from '../store/db';
import { oldest, queueSize, settle } from '../store/queue';
import { loadRegistration } from '../store/registration';
import { saveVerdicts } from '../store/verdicts';
import { NetworkError, postFrames } from './bridge';
import { syncClock } from './clock';
import { DeviceRefused, Session } from './session';
import { setLinkStatus } from './status';

export const MAX_FRAMES = 32;
/** Below the bridge's 8 MiB body limit with room for the frames' other members. */
const MAX_BODY_BYTES = 6 * 1024 * 1024;
const CLOCK_RESYNC_MS = 10 * 60_000;
const LOCK = 'kaoqin-m-drain';

export type DrainOutcome = 'done' | 'offline' | 'busy' | 'disabled' | 'unregistered' | 'failed';

/** The one session of this page: its heartbeat and its drainer share its token. */
let session: Promise<Session> | undefined;
let sessionSn: string | undefined;
let lastClockSync = 0;
let again = false;

function sessionFor(reg: Registration): Promise<Session> {
  // The promise is kept, not its result: two callers at start would otherwise open two
  // sessions, whose C_AUTHs replace each other's token.
  if (!session || sessionSn !== reg.sn) {
    session = Session.open(reg);
    sessionSn = reg.sn;
  }
  return session;
}

/** Forgets the session (the phone was forgotten or registered anew). */
export function resetSession(): void {
  session = undefined;
  sessionSn = undefined;
  lastClockSync = 0;
}

async function signInFrame(
  s: Session,
  token: string,
  reg: Registration,
  rec: QueuedRecord,
): Promise<Uint8Array> {
  const param: Record<string, unknown> = {
    personId: reg.person.personId,
    type: 64,
    recordTime: rec.recordTime,
    coordinate: {
      longitude: rec.coordinate.longitude,
      latitude: rec.coordinate.latitude,
      // kaoqin's extension of 2.3.2 (protocol.md 4.4): the fix's accuracy in metres, kept
      // beside the record for whoever reviews a clock-in near the fence.
      ...(rec.accuracy !== undefined ? { accuracy: Math.round(rec.accuracy * 10) / 10 } : {}),
    },
  };
  if (rec.photo) param.img = base64Encode(new Uint8Array(await rec.photo.arrayBuffer()));
  return s.frame('C_SIGN_IN', param, token);
}

/** One pass over the queue until it is empty or a send cannot go on. */
async function drainNow(): Promise<DrainOutcome> {
  const reg = await loadRegistration();
  if (!reg) return 'unregistered';
  const s = await sessionFor(reg);
  let maxFrames = MAX_FRAMES;
  let renewals = 0;
  try {
    if (Date.now() - lastClockSync > CLOCK_RESYNC_MS && (await queueSize()) > 0) {
      await syncClock();
      lastClockSync = Date.now();
    }
    for (;;) {
      const batch = await oldest(maxFrames);
      if (batch.length === 0) return 'done';
      const token = await s.ensureToken();
      const frames: Uint8Array[] = [];
      let bytes = 0;
      for (const rec of batch) {
        const f = await signInFrame(s, token, reg, rec);
        if (frames.length > 0 && bytes + f.length > MAX_BODY_BYTES) break;
        frames.push(f);
        bytes += f.length;
      }
      const sent = batch.slice(0, frames.length);
      const reply = await postFrames(frames);
      setLinkStatus({ reachable: true, problem: undefined });
      let next: 'go' | 'renew' | 'resync' | 'busy' | 'disabled' | 'smaller' = 'go';
      const verdicts = [];
      for (const [i, rec] of sent.entries()) {
        const a = reply.answers[i];
        if (!a) {
          next = 'busy'; // fewer answers than frames: a framing error ended the body
          continue;
        }
        if (a.success) {
          const r = reply.results[i];
          if (r)
            verdicts.push({ recordTime: rec.recordTime, counted: r.counted, flags: r.flags, at: Date.now() });
          await settle(rec);
          continue;
        }
        const code = a.error?.errorcode ?? '';
        const behaviour = errorByCode(code)?.behaviour;
        if (behaviour === 're_authenticate' || behaviour === 'check_credentials') next = 'renew';
        else if (behaviour === 'resync_clock') next = next === 'go' ? 'resync' : next;
        else if (behaviour === 'retry') next = next === 'go' ? 'busy' : next;
        else if (behaviour === 'disabled') next = 'disabled';
        else if (behaviour === 'too_large' && sent.length > 1) next = 'smaller';
        else
          await settle(rec, {
            recordTime: rec.recordTime,
            coordinate: rec.coordinate,
            errorcode: code,
            errormsg: a.error?.errormsg ?? '',
            at: Date.now(),
          });
      }
      await saveVerdicts(verdicts);
      if (next === 'disabled') {
        setLinkStatus({ disabled: true });
        return 'disabled';
      }
      if (next === 'renew') {
        if (++renewals > 2) return 'failed';
        await s.dropToken(token);
      } else if (next === 'resync') {
        await syncClock();
        lastClockSync = Date.now();
      } else if (next === 'smaller') {
        maxFrames = 1;
      } else if (next === 'busy') {
        return 'busy';
      }
    }
  } catch (err) {
    if (err instanceof NetworkError || (err instanceof TypeError && /fetch/i.test(err.message))) {
      setLinkStatus({ reachable: false });
      return 'offline';
    }
    if (err instanceof DeviceRefused) {
      if (err.errorcode === ERRORS.DEVICE_DISABLED.code) {
        setLinkStatus({ disabled: true });
        return 'disabled';
      }
      setLinkStatus({ problem: `${err.errorcode} ${err.errormsg}` });
      return 'failed';
    }
    setLinkStatus({ problem: err instanceof Error ? err.message : String(err) });
    return 'failed';
  }
}

/**
 * Drains unless a drainer already runs (in this tab or another); then that one is
 * asked to go round once more, so a record added meanwhile is not left waiting.
 */
export async function drain(): Promise<DrainOutcome | 'running'> {
  const run = async (): Promise<DrainOutcome> => {
    setLinkStatus({ sending: true });
    try {
      let out: DrainOutcome;
      do {
        again = false;
        out = await drainNow();
      } while (again && out === 'done');
      return out;
    } finally {
      setLinkStatus({ sending: false });
    }
  };
  if (!('locks' in navigator)) return run(); // old browsers: one tab is the usual case
  return navigator.locks.request(LOCK, { ifAvailable: true }, async (lock) => {
    if (!lock) {
      again = true;
      return 'running' as const;
    }
    return run();
  });
}

const INTERVAL_MS = 15_000;
const HEARTBEAT_MS = 30_000;

/** Starts the triggers: on 'online', every 15 s, and a heartbeat every 30 s while open. */
export function startDrainer(): () => void {
  const kick = () => void drain();
  const online = () => {
    void heartbeat();
    kick();
  };
  window.addEventListener('online', online);
  const every = setInterval(kick, INTERVAL_MS);
  const beat = setInterval(() => void heartbeat(), HEARTBEAT_MS);
  kick();
  void heartbeat();
  return () => {
    window.removeEventListener('online', online);
    clearInterval(every);
    clearInterval(beat);
  };
}

/** A heartbeat and a drain now: the phone was just registered, so it shows online at once. */
export function wake(): void {
  void heartbeat();
  void drain();
}

async function heartbeat(): Promise<void> {
  const reg = await loadRegistration();
  if (!reg) return;
  try {
    if (lastClockSync === 0) {
      await syncClock();
      lastClockSync = Date.now();
    }
    await (await sessionFor(reg)).heartbeat();
    setLinkStatus({ reachable: true, disabled: false });
  } catch (err) {
    if (err instanceof DeviceRefused && err.errorcode === ERRORS.DEVICE_DISABLED.code)
      setLinkStatus({ disabled: true });
    else if (err instanceof NetworkError || err instanceof TypeError) setLinkStatus({ reachable: false });
  }
}
