/** kaoqin firmware add|list|rollout: images a device downloads for T_UPDATE_DEVICE_VERSION (3.7). */
import { openData } from '../app.js';
import type { DeviceRow } from '../store/types.js';
import { FirmwareError } from '../tasks/firmware.js';
import { parse, requireString, strings, UsageError } from './args.js';
import { iso, printJson, printTable } from './output.js';
import { resolveDevice } from './task.js';

const USAGE =
  'usage: kaoqin firmware add FILE --version V | list | rollout --version V --sn SN [--sn SN…]  [--json]';

export async function firmwareCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const p = parse(rest, { version: { type: 'string' }, sn: { type: 'string', multiple: true } });
  // Flags are checked before the data is opened: a typo never touches the store.
  if (sub === 'add') {
    if (!p.positionals[0]) throw new UsageError(USAGE);
    requireString(p.values, 'version');
  } else if (sub === 'rollout') {
    requireString(p.values, 'version');
    if (strings(p.values, 'sn').length === 0) throw new UsageError('--sn is required (one or more devices)');
  } else if (sub !== 'list') throw new UsageError(USAGE);
  const data = await openData(p.config);
  try {
    switch (sub) {
      case 'add': {
        const file = p.positionals[0]!;
        let fw: Awaited<ReturnType<typeof data.firmware.add>>;
        try {
          fw = await data.firmware.add(file, requireString(p.values, 'version'));
        } catch (e) {
          // fs errors name the syscall ("ENOENT: …, open 'x'"); the operator wants the file and why.
          const code = e instanceof FirmwareError ? undefined : (e as NodeJS.ErrnoException).code;
          throw code ? new Error(`cannot read ${file}: ${code}`) : e;
        }
        if (p.json) printJson({ ...fw, createdAt: iso(fw.createdAt) });
        else
          process.stdout.write(
            `firmware ${fw.version} added (${fw.id})\nsize    ${fw.size} bytes\nsha256  ${fw.sha256}\n`,
          );
        return;
      }
      case 'list': {
        const rows = (await data.store.firmware.list()).map((f) => ({
          firmwareId: f.id,
          version: f.version,
          size: f.size,
          sha256: f.sha256,
          fileName: f.fileName,
          createdAt: iso(f.createdAt),
        }));
        if (p.json) printJson(rows);
        else printTable(rows, ['firmwareId', 'version', 'size', 'sha256', 'fileName', 'createdAt']);
        return;
      }
      default: {
        const version = requireString(p.values, 'version');
        // Every SN is resolved before any task is queued: a typo in the fifth SN must not
        // leave the first four updating and the operator unsure which.
        const devices: DeviceRow[] = [];
        for (const sn of new Set(strings(p.values, 'sn'))) devices.push(await resolveDevice(data, sn));
        const taskIds = await data.firmware.rollout(
          version,
          devices.map((d) => d.id),
        );
        const rows = devices.map((d, i) => ({ deviceId: d.id, sn: d.sn, taskId: taskIds[i] }));
        if (p.json) printJson({ version, devices: rows });
        else {
          process.stdout.write(
            `firmware ${version}: T_UPDATE_DEVICE_VERSION queued for ${rows.length} device(s)\n`,
          );
          for (const r of rows) process.stdout.write(`  ${r.sn}  task ${r.taskId}\n`);
        }
      }
    }
  } finally {
    await data.close();
  }
}
