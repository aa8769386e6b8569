/**
 * The browser tests' way in (issue 14 contracts §4): with localStorage
 * 'kaoqin.m.test' = '1' at load, window.__kaoqinMobileTest feeds clock-ins into the SAME
 * queue and drainer the camera path uses, so hundreds of offline records need not each
 * pass a liveness challenge. Nothing is defined otherwise.
 */
import { platformNow } from './device/clock';
import { drain } from './device/drainer';
import type { Coordinate } from './store/db';
import { enqueue, queueSize, setPhotoBudget } from './store/queue';

export interface MobileTestHook {
  enqueue(r: { recordTime?: number; selfie: Blob; coordinate: Coordinate; accuracy?: number }): Promise<void>;
  queueSize(): Promise<number>;
  /** Beyond the contract: the photo budget in bytes, to show a record kept without its photo. */
  setPhotoBudget(bytes: number): Promise<void>;
  /** Beyond the contract: runs the drainer now and says how it ended. */
  drain(): Promise<string>;
}

declare global {
  interface Window {
    __kaoqinMobileTest?: MobileTestHook;
  }
}

let last = 0;

export function installTestHook(): void {
  let on = false;
  try {
    on = localStorage.getItem('kaoqin.m.test') === '1';
  } catch {
    on = false;
  }
  if (!on) return;
  window.__kaoqinMobileTest = {
    async enqueue(r) {
      let recordTime = r.recordTime;
      if (recordTime === undefined) {
        // Distinct times: two records of one millisecond are one clock-in to the platform.
        recordTime = Math.max(await platformNow(), last + 1);
        last = recordTime;
      }
      await enqueue({ recordTime, coordinate: r.coordinate, accuracy: r.accuracy, photo: r.selfie });
      void drain();
    },
    queueSize,
    setPhotoBudget,
    drain,
  };
}
