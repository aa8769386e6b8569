/** React views of the page's stores: each re-reads when its store says it changed. */
import { useEffect, useState } from 'react';
import { type LinkStatus, linkStatus, statusEvents } from '../device/status';
import type { FailedRecord, Verdict } from '../store/db';
import { failedRecords, queueEvents, queueSize } from '../store/queue';
import { latestVerdicts, verdictEvents } from '../store/verdicts';

function useStore<T>(events: EventTarget, read: () => Promise<T>, initial: T): T {
  const [value, setValue] = useState(initial);
  useEffect(() => {
    let live = true;
    const load = () => void read().then((v) => live && setValue(v));
    load();
    events.addEventListener('change', load);
    events.addEventListener('verdict', load);
    return () => {
      live = false;
      events.removeEventListener('change', load);
      events.removeEventListener('verdict', load);
    };
  }, [events, read]);
  return value;
}

export const useQueueCount = (): number => useStore(queueEvents, queueSize, 0);
export const useFailed = (): FailedRecord[] => useStore(queueEvents, failedRecords, []);
const latest = () => latestVerdicts(5);
export const useLatestVerdicts = (): Verdict[] => useStore(verdictEvents, latest, []);

export function useLinkStatus(): LinkStatus & { online: boolean } {
  const [s, setS] = useState(linkStatus());
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const onStatus = () => setS(linkStatus());
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    statusEvents.addEventListener('change', onStatus);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      statusEvents.removeEventListener('change', onStatus);
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  }, []);
  return { ...s, online: online && s.reachable };
}
