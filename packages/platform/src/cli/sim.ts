/**
 * `kaoqin sim …`: the device simulator (`kaoqin-sim`, in @kaoqin/device) from the
 * platform's own command, for operators who installed only this one. Loaded on demand so
 * the platform does not depend on the SDK to run.
 */
import { UsageError } from './args.js';

interface SimModule {
  main(argv: string[]): Promise<number>;
}

export async function simCommand(argv: string[]): Promise<void> {
  const name = '@kaoqin/device/sim';
  let sim: SimModule;
  try {
    sim = (await import(name)) as SimModule;
  } catch (e) {
    throw new Error(`the simulator (@kaoqin/device) is not installed: ${(e as Error).message}`);
  }
  const code = await sim.main(argv);
  if (code === 2) throw new UsageError('see kaoqin sim --help');
  if (code !== 0)
    throw new Error(`simulation ended with exit code ${code} (records lost, duplicated or refused)`);
}
