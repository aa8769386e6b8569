/** The lines that say where a result was measured: Node and V8 versions, CPU model. */
import { arch, availableParallelism, cpus, platform } from 'node:os';

export function hostLines(): string[] {
  const model = cpus()[0]?.model.trim() || 'unknown CPU';
  return [
    `Node ${process.version} (V8 ${process.versions.v8}, ${platform()}-${arch()})`,
    `CPU  ${model}, ${availableParallelism()} logical CPUs; measured on one (main thread, no workers)`,
  ];
}
