/**
 * The page-and-photo part of a person task (T_SEND_PERSON / T_UPDATE_DEVICE_PERSON):
 * every page, and every imgUrls photo downloaded (a few in flight) and checked. The
 * simulated devices run it for their tasks, and it is also what drives the baseline.
 */
import type { PersonPageApicode } from '@kaoqin/protocol';
import { AnswerError, bump, type DeviceHttp } from './device-http.js';
import { epochNow } from './messages.js';

/** Runs at most `limit` jobs at once; jobs must not reject. */
export class Pool {
  private running = 0;
  private readonly queue: (() => Promise<void>)[] = [];
  private waiters: { n: number; resolve(): void }[] = [];

  constructor(private readonly limit: number) {}

  add(job: () => Promise<void>): void {
    this.queue.push(job);
    this.pump();
  }

  /** Resolves once at most n jobs are queued or running. */
  below(n: number): Promise<void> {
    if (this.queue.length + this.running <= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  idle(): Promise<void> {
    return this.below(0);
  }

  private pump(): void {
    while (this.running < this.limit && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running++;
      void job().finally(() => {
        this.running--;
        this.pump();
        const load = this.queue.length + this.running;
        const ready = this.waiters.filter((w) => load <= w.n);
        if (ready.length) {
          this.waiters = this.waiters.filter((w) => load > w.n);
          for (const w of ready) w.resolve();
        }
      });
    }
  }
}

export interface PulledPerson {
  personId: string;
  name: string;
  /** Every photo downloaded and its hash checked. */
  faceOk: boolean;
}

export interface Pulled {
  persons: PulledPerson[];
  failedFaces: { personId: string; errCode: string }[];
}

interface Page {
  data: { personId: string; name: string; imgUrls: string[] }[];
  currentPage: number;
  totalPage: number;
}

/**
 * Pages through a person task and downloads every photo, `inflight` photos at a time. The
 * next page is asked for while the previous page's photos are still downloading (at most
 * one page of photos waits), so the downloads never stall on a page request.
 */
export async function pullPersons(
  http: DeviceHttp,
  apicode: PersonPageApicode,
  taskid: string,
  o: { pageSize: number; inflight: number },
): Promise<Pulled> {
  const pool = new Pool(o.inflight);
  const persons: PulledPerson[] = [];
  const failedFaces: Pulled['failedFaces'] = [];
  const c = http.counters;
  let totalPage = 1;
  for (let page = 1; page <= totalPage; page++) {
    const { response, bytes } = await http.call(apicode, {
      taskid,
      param: JSON.stringify({ currentPage: page, size: o.pageSize }),
    });
    const p = response as Page;
    const at = epochNow();
    c.pages++;
    c.pageBytes += bytes;
    c.firstPageAt ??= at;
    c.lastPageAt = at;
    totalPage = p.totalPage;
    for (const d of p.data) {
      const person: PulledPerson = { personId: d.personId, name: d.name, faceOk: d.imgUrls.length > 0 };
      persons.push(person);
      for (const url of d.imgUrls) {
        pool.add(async () => {
          try {
            await http.photo(url);
          } catch (e) {
            person.faceOk = false;
            failedFaces.push({ personId: d.personId, errCode: 'D10' });
            bump(c.errors, e instanceof AnswerError ? e.code : (e as Error).name);
          }
        });
      }
    }
    await pool.below(o.pageSize);
  }
  await pool.idle();
  return { persons, failedFaces };
}
