/** An encoded request payload (C_AUTH, C_HEARTBEAT or C_SIGN_IN), each field as a device sends it or odd. */
import { mutatedParam, type Rand, text, unframe } from '@kaoqin/conformance/fuzz';
import { encodeAuthRequestFrame, encodeDeviceRequestFrame, formatTimeStamp } from '@kaoqin/protocol';
import { NOW, TOKEN } from './fixed.js';

const fieldText = (r: Rand, normal: string): string =>
  r.chance(0.8) ? normal : r.chance(0.3) ? '' : text(r);

export function requestPayload(r: Rand): Uint8Array {
  const now = formatTimeStamp(NOW);
  if (r.chance(0.3))
    return unframe(
      encodeAuthRequestFrame({
        version: fieldText(r, 'v1.0.0'),
        sn: fieldText(r, 'KQ-FUZZ'),
        apicode: r.chance(0.9) ? 'C_AUTH' : text(r),
        accessId: fieldText(r, r.hex(16)),
        accessKey: fieldText(r, r.hex(16)),
        timeStamp: fieldText(r, now),
        sign: fieldText(r, r.hex(32)),
      }),
    );
  const apicode = r.pick(['C_HEARTBEAT', 'C_SIGN_IN'] as const);
  return unframe(
    encodeDeviceRequestFrame({
      version: fieldText(r, 'v1.0.0'),
      sn: fieldText(r, 'KQ-FUZZ'),
      token: r.chance(0.05) ? 'C_AUTH' : fieldText(r, TOKEN),
      apicode: fieldText(r, apicode),
      timeStamp: fieldText(r, now),
      param: r.chance(0.8) ? mutatedParam(r, apicode, NOW) : text(r),
      sign: fieldText(r, r.hex(32)),
    }),
  );
}
