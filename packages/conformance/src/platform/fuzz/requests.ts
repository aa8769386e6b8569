/**
 * Requests as a device sends them: C_AUTH, C_HEARTBEAT and C_SIGN_IN frames signed as the
 * kit's devices sign them, valid or with one field or the param mutated, and the probe
 * that follows bytes that owe no answer.
 */
import { formatTimeStamp } from '@kaoqin/protocol';
import { authFrame, deviceFrame, type Fields } from '../wire.js';
import type { Input, Lane } from './input.js';
import { heartbeatMembers, objectText, signInMembers } from './members.js';
import { text } from './odd-text.js';
import { mutatedParam } from './param.js';
import type { Rand } from './rand.js';

const DEVICE_FIELDS = ['version', 'sn', 'token', 'apicode', 'timeStamp', 'param', 'sign'] as const;
const AUTH_FIELDS = ['version', 'sn', 'apicode', 'accessId', 'accessKey', 'timeStamp', 'sign'] as const;

/** A replacement for one request field: emptied, odd text, or (timeStamp) a time off or misformatted. */
function fieldValue(r: Rand, field: string, lane: Lane): string {
  if (r.chance(0.25)) return '';
  if (field === 'timeStamp' && r.chance(0.5)) {
    const off = r.pick([-86_400_000, -600_000, 600_000, 86_400_000 * 365, -lane.target.now()]);
    return r.chance(0.5)
      ? formatTimeStamp(lane.target.now() + off)
      : `${formatTimeStamp(lane.target.now())}0`;
  }
  return text(r);
}

/** Signs as the kit's devices do; a param that the signer cannot handle gets a random sign instead. */
function safely(r: Rand, build: (over: Fields) => Uint8Array, over: Fields): Uint8Array {
  try {
    return build(over);
  } catch {
    return build({ ...over, sign: r.hex(32) });
  }
}

export function authInput(r: Rand, lane: Lane): Input {
  const field = r.pick(AUTH_FIELDS);
  const over: Fields = {};
  if (field === 'sn') {
    if (r.chance(0.5)) {
      // A device number of the kit's own, signed: the platform registers it if it takes it.
      over.sn = `${lane.target.sn}${text(r)}`;
    } else {
      over.sn = fieldValue(r, field, lane);
      over.sign = r.hex(32); // not signed: no stranger device is registered
    }
  } else over[field] = fieldValue(r, field, lane);
  return {
    kind: 'auth-field',
    pieces: [{ bytes: safely(r, (o) => authFrame(lane.target, o), over), pauseMs: 0 }],
    owed: 'answer',
    ownAuth: over.sn === undefined || over.sn === lane.target.sn,
  };
}

export function deviceInput(
  r: Rand,
  lane: Lane,
  apicode: 'C_HEARTBEAT' | 'C_SIGN_IN',
  paramOnly: boolean,
): Input {
  const now = lane.target.now();
  const token = lane.token ?? r.hex(32);
  const build = (param: string) => (o: Fields) => deviceFrame(lane.target, apicode, token, param, o);
  const short = apicode === 'C_HEARTBEAT' ? 'heartbeat' : 'sign-in';
  if (paramOnly) {
    const param = mutatedParam(r, apicode, now);
    return {
      kind: `${short}-param`,
      pieces: [{ bytes: safely(r, build(param), {}), pauseMs: 0 }],
      owed: 'answer',
    };
  }
  const param = objectText(apicode === 'C_HEARTBEAT' ? heartbeatMembers() : signInMembers(r, now));
  const field = r.pick(DEVICE_FIELDS);
  const over: Fields = { [field]: fieldValue(r, field, lane) };
  return {
    kind: `${short}-field`,
    pieces: [{ bytes: safely(r, build(param), over), pauseMs: 0 }],
    owed: 'answer',
  };
}

/** A valid request frame of one of the three apicodes. */
export function validFrame(r: Rand, lane: Lane): { frame: Uint8Array; apicode: string } {
  const apicode = r.pick(['C_AUTH', 'C_HEARTBEAT', 'C_SIGN_IN'] as const);
  if (apicode === 'C_AUTH' || lane.token === undefined)
    return { frame: authFrame(lane.target), apicode: 'C_AUTH' };
  const members = apicode === 'C_HEARTBEAT' ? heartbeatMembers() : signInMembers(r, lane.target.now());
  return { frame: deviceFrame(lane.target, apicode, lane.token, objectText(members)), apicode };
}

/** A heartbeat (or, without a token, a C_AUTH) whose answer must come: what follows bytes that owe none. */
export function probe(lane: Lane): { frame: Uint8Array; apicode: string } {
  return lane.token === undefined
    ? { frame: authFrame(lane.target), apicode: 'C_AUTH' }
    : {
        frame: deviceFrame(lane.target, 'C_HEARTBEAT', lane.token, objectText(heartbeatMembers())),
        apicode: 'C_HEARTBEAT',
      };
}
