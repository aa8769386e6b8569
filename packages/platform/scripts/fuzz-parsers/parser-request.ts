/** decodeRequestPayload, fed random bytes, protobuf-shaped bytes and requests whole or mutated. */
import { mutate, protobufBytes } from '@kaoqin/conformance/fuzz';
import { decodeRequestPayload, type IncomingRequest } from '@kaoqin/protocol';
import { hexSample, OK, type Parser, thrown } from './outcome.js';
import { requestPayload } from './request-payload.js';

export const requestDecoder: Parser = {
  name: 'decodeRequestPayload',
  make(r) {
    const payload = r.weighted<() => Uint8Array>([
      [20, () => r.bytes(r.size())],
      [30, () => Uint8Array.from(protobufBytes(r))],
      [10, () => requestPayload(r)],
      [40, () => mutate(r, requestPayload(r))],
    ])();
    return {
      describe: () => hexSample(payload),
      run() {
        let req: IncomingRequest;
        try {
          req = decodeRequestPayload(payload);
        } catch (e) {
          return thrown(e);
        }
        for (const [k, v] of Object.entries(req))
          if (v !== undefined && typeof v !== 'string')
            return { finding: 'wrong', reason: `member ${k} is a ${typeof v}` };
        return OK;
      },
    };
  },
};
