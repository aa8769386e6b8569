/**
 * The platform's live events (api.md "Live": GET /api/v1/events, server-sent events) in
 * a React hook. EventSource cannot send headers, so the token goes as ?access_token=
 * (the one route that takes it); it reconnects by itself and resumes with Last-Event-ID.
 * A `reset` frame (events were missed) makes every query refetch, and so does the
 * stream's first opening (what the page read before it may have changed meanwhile); an
 * `end` for an ended session logs out.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { apiUrl } from './client';
import { setSession, useSession } from './session';

export type LiveEventType =
  | 'device.online'
  | 'device.offline'
  | 'attendance.created'
  | 'task.finished'
  | 'distribution.changed';

export interface LiveEvent<T = Record<string, unknown>> {
  type: LiveEventType;
  id: string;
  data: T;
}

export function useLiveEvents(
  types: readonly LiveEventType[],
  onEvent: (e: LiveEvent) => void,
  opts: { siteId?: string } = {},
): void {
  const session = useSession();
  const client = useQueryClient();
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const typeList = types.join(',');
  useEffect(() => {
    if (!session) return;
    const src = new EventSource(
      apiUrl('/events', { access_token: session.token, types: typeList, siteId: opts.siteId }),
    );
    for (const type of typeList.split(',') as LiveEventType[])
      src.addEventListener(type, (m) => {
        const msg = m as MessageEvent<string>;
        handler.current({ type, id: msg.lastEventId, data: JSON.parse(msg.data) as Record<string, unknown> });
      });
    src.addEventListener('reset', () => void client.invalidateQueries());
    // What the page shows was read before the stream started: an event in between (the
    // distribution reaching the device while the page loaded) would never arrive. So
    // the first open counts as a reset; later opens resume from Last-Event-ID.
    src.addEventListener('open', () => void client.invalidateQueries(), { once: true });
    src.addEventListener('end', (m) => {
      const reason = (JSON.parse((m as MessageEvent<string>).data) as { reason?: string }).reason;
      src.close();
      if (reason === 'unauthenticated') setSession(null);
    });
    return () => src.close();
  }, [session, typeList, opts.siteId, client]);
}
