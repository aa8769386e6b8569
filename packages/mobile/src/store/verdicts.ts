/** The platform's verdicts on sent clock-ins (the bridge's results), the latest kept to show. */
import { db, type Verdict } from './db';

const KEEP = 50;
export const verdictEvents = new EventTarget();

export class VerdictEvent extends Event {
  constructor(readonly verdict: Verdict) {
    super('verdict');
  }
}

/** Keeps a batch's verdicts, dropping the oldest beyond the last 50. */
export async function saveVerdicts(vs: readonly Verdict[]): Promise<void> {
  if (vs.length === 0) return;
  const d = await db();
  const put = d.transaction('verdicts', 'readwrite');
  await Promise.all([...vs.map((v) => put.store.put(v)), put.done]);
  const n = await d.count('verdicts');
  if (n > KEEP) {
    const tx = d.transaction('verdicts', 'readwrite');
    let cursor = await tx.store.index('at').openCursor();
    for (let i = 0; cursor && i < n - KEEP; i++) {
      await cursor.delete();
      cursor = await cursor.continue();
    }
    await tx.done;
  }
  for (const v of vs) verdictEvents.dispatchEvent(new VerdictEvent(v));
}

export async function verdictOf(recordTime: number): Promise<Verdict | undefined> {
  return (await db()).get('verdicts', recordTime);
}

export async function latestVerdicts(n = 10): Promise<Verdict[]> {
  const all = await (await db()).getAllFromIndex('verdicts', 'at');
  return all.slice(-n).reverse();
}
