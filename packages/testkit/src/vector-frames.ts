/** A request of the protocol's vector files (members as text, absent = empty) as the TCP frame a device would send. */
import { encodeAuthRequestFrame, encodeDeviceRequestFrame } from '@kaoqin/protocol';

export function vectorFrame(r: Record<string, string>): Uint8Array {
  const s = (k: string) => r[k] ?? '';
  return r.apicode === 'C_AUTH'
    ? encodeAuthRequestFrame({
        version: s('version'),
        sn: s('sn'),
        apicode: s('apicode'),
        accessId: s('accessId'),
        accessKey: s('accessKey'),
        timeStamp: s('timeStamp'),
        sign: s('sign'),
      })
    : encodeDeviceRequestFrame({
        version: s('version'),
        sn: s('sn'),
        token: s('token'),
        apicode: s('apicode'),
        timeStamp: s('timeStamp'),
        param: s('param'),
        sign: s('sign'),
      });
}
