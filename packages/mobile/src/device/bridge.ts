/**
 * One POST to the mobile bridge (docs/protocol.md §12): frames in, each answer decoded
 * with the protocol's own reader, and the platform's verdict on each stored clock-in
 * (`results`, null for answers that are not a stored C_SIGN_IN).
 */
import { base64Decode, type DeviceAnswer, readAnswerPayload } from '@kaoqin/protocol/wire';
import { MOBILE_API } from '../paths';

export interface RecordVerdict {
  counted: boolean;
  flags: string[];
}

export interface BridgeReply {
  answers: DeviceAnswer[];
  results: (RecordVerdict | null)[];
}

/** Thrown when the platform could not be reached or answered outside the protocol. */
export class NetworkError extends Error {
  override name = 'NetworkError';
}

export async function postFrames(frames: readonly Uint8Array[]): Promise<BridgeReply> {
  const size = frames.reduce((a, f) => a + f.length, 0);
  const body = new Uint8Array(size);
  let at = 0;
  for (const f of frames) {
    body.set(f, at);
    at += f.length;
  }
  let res: Response;
  try {
    res = await fetch(`${MOBILE_API}/frames`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body,
      cache: 'no-store',
    });
  } catch (err) {
    throw new NetworkError(err instanceof Error ? err.message : String(err));
  }
  if (!res.ok) throw new NetworkError(`bridge: HTTP ${res.status}`);
  const json = (await res.json()) as { answers?: string[]; results?: (RecordVerdict | null)[] };
  const answers = (json.answers ?? []).map((a) => readAnswerPayload(base64Decode(a)));
  const results = answers.map((_, i) => json.results?.[i] ?? null);
  return { answers, results };
}
