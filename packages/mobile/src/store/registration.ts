/** The phone's registration (its device identity and whose phone it is), kept in IndexedDB. */
import { db, type Registration } from './db';

const KEY = 'registration';
export const registrationEvents = new EventTarget();

export async function loadRegistration(): Promise<Registration | undefined> {
  return (await (await db()).get('kv', KEY)) as Registration | undefined;
}

export async function saveRegistration(r: Registration): Promise<void> {
  const tx = (await db()).transaction('kv', 'readwrite');
  // A new identity: the last one's token is not this device's.
  await Promise.all([tx.store.put(r, KEY), tx.store.delete('token'), tx.done]);
  registrationEvents.dispatchEvent(new Event('change'));
}

/** Forgets this phone: the registration, token, queue, refusals and verdicts. */
export async function forgetPhone(): Promise<void> {
  const d = await db();
  const tx = d.transaction(['kv', 'queue', 'failed', 'verdicts'], 'readwrite');
  await Promise.all([
    tx.objectStore('kv').clear(),
    tx.objectStore('queue').clear(),
    tx.objectStore('failed').clear(),
    tx.objectStore('verdicts').clear(),
  ]);
  await tx.done;
  registrationEvents.dispatchEvent(new Event('change'));
}
