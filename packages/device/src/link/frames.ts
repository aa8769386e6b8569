/**
 * The session's request frames, signed (1.2) and encoded. The timeStamp comes from the
 * caller: it is taken from the corrected clock as the frame is written (clock.ts).
 */
import { encodeAuthRequestFrame, encodeDeviceRequestFrame, signRequest } from '@kaoqin/protocol';
import type { DeviceIdentity } from '../types.js';

/** A C_AUTH frame: the vendor's credentials, no token. */
export function authFrame(identity: DeviceIdentity, version: string, timeStamp: string): Uint8Array {
  const f = {
    version,
    sn: identity.sn,
    apicode: 'C_AUTH',
    accessId: identity.accessId,
    accessKey: identity.accessKey,
    timeStamp,
  };
  return encodeAuthRequestFrame({ ...f, sign: signRequest('C_AUTH', f, identity.accessSecret) });
}

/** A C_HEARTBEAT or C_SIGN_IN frame carrying the token and this param text, which is JSON. */
export function deviceRequestFrame(
  identity: DeviceIdentity,
  version: string,
  req: { token: string; apicode: 'C_HEARTBEAT' | 'C_SIGN_IN'; timeStamp: string; param: string },
): Uint8Array {
  const f = {
    version,
    sn: identity.sn,
    token: req.token,
    apicode: req.apicode,
    timeStamp: req.timeStamp,
    param: req.param,
  };
  // The param is JSON text: buildSignInParam's, or the heartbeat's own.
  const sign = signRequest(req.apicode, f, identity.accessSecret, { paramIsJson: true });
  return encodeDeviceRequestFrame({ ...f, sign });
}
