/**
 * The wire form of the event stream (text/event-stream, WHATWG HTML "Server-sent
 * events"): one frame per event, `id:` `event:` `data:` (one line of JSON), then a blank
 * line. Times become ISO 8601 with +08:00 as everywhere in the API. A frame is rendered
 * once and kept on the event, so a hundred subscribers cost one JSON.stringify.
 *
 * Control frames, each with an `id:` so a client that reconnects resumes from there:
 * `ready` (the stream starts where asked), `reset` (events were missed: re-read what you
 * show, then follow the stream), `end` (the server closes the stream on purpose).
 */
import type { EventHub } from '../../domain/live/hub.js';
import type { LiveEvent } from '../../domain/live/types.js';
import { isoCst } from '../time.js';

/** How long an EventSource waits before reconnecting (the `retry:` field). */
export const RETRY_MS = 3000;

/** Why a stream starts over: another run's id, one older than the replay buffer, an id never given out, a reader too slow for the buffer. */
export type ResetReason = 'restarted' | 'expired' | 'unknown' | 'lagged';

/** Why the server ends a stream: the platform stops, the session ended, the account's role or sites changed. */
export type EndReason = 'shutdown' | 'unauthenticated' | 'scope_changed';

function body(ev: LiveEvent): object {
  const scope = { siteId: ev.siteId, vendorId: ev.vendorId };
  switch (ev.type) {
    case 'device.online':
    case 'device.offline':
      return { deviceId: ev.data.deviceId, sn: ev.data.sn, at: isoCst(ev.data.at), ...scope };
    case 'attendance.created': {
      const d = ev.data;
      return {
        id: d.id,
        personId: d.personId,
        deviceId: d.deviceId,
        sn: d.sn,
        recordTime: isoCst(d.recordTime),
        receivedAt: isoCst(d.receivedAt),
        type: d.type,
        flags: d.flags,
        realName: d.realName,
        hasPhoto: d.hasPhoto,
        ...scope,
      };
    }
    case 'task.finished':
      return { ...ev.data, finishedAt: isoCst(ev.data.finishedAt), ...scope };
    case 'distribution.changed':
      return { ...ev.data, updatedAt: isoCst(ev.data.updatedAt), ...scope };
  }
}

export function frameOf(hub: EventHub, ev: LiveEvent): string {
  ev.wire ??= `id: ${hub.idOf(ev.seq)}\nevent: ${ev.type}\ndata: ${JSON.stringify(body(ev))}\n\n`;
  return ev.wire;
}

export function controlFrame(
  event: 'ready' | 'reset' | 'end',
  id: string,
  data: Record<string, unknown>,
): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export const HEARTBEAT = ': keepalive\n\n';
