/**
 * What the page knows of its link to the platform, for the home screen: whether the
 * last call reached it, whether a send is running, and whether the platform disabled
 * this phone (another phone registered for the worker, or the manager's doing).
 */
export interface LinkStatus {
  /** The last call to the platform got an answer (navigator.onLine alone can lie). */
  reachable: boolean;
  sending: boolean;
  disabled: boolean;
  /** The latest failure the worker may need to know of. */
  problem?: string;
}

let current: LinkStatus = { reachable: navigator.onLine, sending: false, disabled: false };
export const statusEvents = new EventTarget();

export function linkStatus(): LinkStatus {
  return current;
}

export function setLinkStatus(patch: Partial<LinkStatus>): void {
  current = { ...current, ...patch };
  statusEvents.dispatchEvent(new Event('change'));
}
