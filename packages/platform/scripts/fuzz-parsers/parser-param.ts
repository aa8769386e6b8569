/** The param checks of C_HEARTBEAT and C_SIGN_IN, exactly as the request core calls them. */
import { mutatedParam } from '@kaoqin/conformance/fuzz';
import { formatTimeStamp, type IncomingRequest } from '@kaoqin/protocol';
import { decodeBase64Photo } from '../../src/blobs/photo.js';
import { core, signed } from './core.js';
import { NOW, TOKEN } from './fixed.js';
import { OK, type Parser, textSample, thrown } from './outcome.js';

/** param as the request core checks it: precheck, then checkCredentialed with the device's secret known. */
export function paramParser(apicode: 'C_HEARTBEAT' | 'C_SIGN_IN'): Parser {
  return {
    name: `param ${apicode}`,
    make(r) {
      const param = mutatedParam(r, apicode, NOW);
      const values = {
        version: 'v1.0.0',
        sn: 'KQ-FUZZ',
        token: TOKEN,
        apicode,
        timeStamp: formatTimeStamp(NOW),
        param,
      };
      // Half signed right (the param is what decides), half wrong (every signed text is tried).
      const sign = r.chance(0.5) ? signed(r, apicode, values) : r.hex(32);
      const req: IncomingRequest = { transport: 'tcp', ...values, paramForm: 'text', sign };
      return {
        describe: () => textSample(param),
        run() {
          const c = core(req);
          if ('thrown' in c) return c.thrown;
          if (c.code !== 'ok') return { ok: false, code: c.code };
          // C_SIGN_IN's handler reads the photo out of what the checks admitted.
          const img = (c.param as { img?: unknown } | undefined)?.img;
          try {
            if (typeof img === 'string' && img !== '') decodeBase64Photo(img);
          } catch (e) {
            return thrown(e);
          }
          return OK;
        },
      };
    },
  };
}
