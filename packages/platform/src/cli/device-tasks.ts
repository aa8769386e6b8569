/**
 * kaoqin device reconcile|repair|distribution --sn SN: the chapter 3 views and actions on
 * one device. device.ts hands these subcommands over before parsing its own flags.
 */
import { openData } from '../app.js';
import { optionalString, parse, requireString, UsageError } from './args.js';
import { printJson } from './output.js';
import { printDistribution, resolveDevice } from './task.js';

export const DEVICE_TASK_SUBCOMMANDS: readonly string[] = ['reconcile', 'repair', 'distribution'];

const USAGE =
  'usage: kaoqin device reconcile --sn SN [--exclude-fields img,phone] | repair --sn SN | distribution --sn SN  [--json]';

export async function deviceTasksCommand(sub: string, argv: string[]): Promise<void> {
  const p = parse(argv, { sn: { type: 'string' }, 'exclude-fields': { type: 'string' } });
  if (!DEVICE_TASK_SUBCOMMANDS.includes(sub)) throw new UsageError(USAGE);
  const sn = requireString(p.values, 'sn');
  const exclude = optionalString(p.values, 'exclude-fields');
  if (exclude !== undefined && sub !== 'reconcile') throw new UsageError(USAGE);
  const data = await openData(p.config);
  try {
    const device = await resolveDevice(data, sn);
    switch (sub) {
      case 'reconcile': {
        // img is left out by default: a roster with photos is megabytes over a device's link.
        const excludeFields = exclude ?? 'img';
        const taskId = await data.reconciler.request(device.id, excludeFields);
        if (p.json) printJson({ deviceId: device.id, sn, taskId, excludeFields });
        else
          process.stdout.write(
            `T_POST_DEVICE_PERSON task ${taskId} queued for ${sn}; when the device reports it done, ` +
              `see the differences with: kaoqin device distribution --sn ${sn}\n`,
          );
        return;
      }
      case 'repair': {
        const r = await data.reconciler.repair(device.id);
        if (p.json) printJson({ deviceId: device.id, sn, ...r });
        else if (r.missing + r.extra === 0) process.stdout.write(`${sn}: no open differences to repair\n`);
        else
          process.stdout.write(
            `${sn}: queued ${r.missing} missing person(s) to send and ${r.extra} extra to delete\n`,
          );
        return;
      }
      default:
        await printDistribution(data, p.config, device, p.json);
    }
  } finally {
    await data.close();
  }
}
