/**
 * A client of the mobile bridge for tests: frames are built and signed by the testkit's
 * device (the same bytes it writes on a TCP socket), POSTed as one body, and the
 * answers decoded with the protocol's own PlatformResponse decoder.
 */
import { PassThrough } from 'node:stream';
import { type Answer, answerOf, type Credentials, TestDevice } from '@kaoqin/testkit';

export const FRAMES_PATH = '/api/mobile/v1/frames';

export interface BridgeReply {
  status: number;
  headers: Headers;
  body: unknown;
  /** The base64 payloads as sent. */
  payloads: string[];
  answers: Answer[];
  /** `results[i]` of the body: a stored clock-in's verdict beside answers[i], else null. */
  results: ({ counted: boolean; flags: string[] } | null)[];
}

export async function postFrames(
  port: number,
  frames: Uint8Array | readonly Uint8Array[],
  headers: Record<string, string> = { 'content-type': 'application/octet-stream' },
): Promise<BridgeReply> {
  const body = frames instanceof Uint8Array ? Buffer.from(frames) : Buffer.concat(frames);
  const res = await fetch(`http://127.0.0.1:${port}${FRAMES_PATH}`, { method: 'POST', headers, body });
  const json: unknown = JSON.parse(await res.text());
  const list = (json as { answers?: unknown }).answers;
  const payloads = Array.isArray(list) ? (list as string[]) : [];
  return {
    status: res.status,
    headers: res.headers,
    body: json,
    payloads,
    answers: payloads.map((p) => answerOf(Buffer.from(p, 'base64'))),
    results: ((json as { results?: unknown }).results ?? []) as BridgeReply['results'],
  };
}

/** The testkit device as a frame builder only: the bridge, not its stream, carries the bytes. */
export function frameBuilder(sn: string, creds: Credentials, now: () => number): TestDevice {
  return new TestDevice(new PassThrough(), sn, creds, now);
}
