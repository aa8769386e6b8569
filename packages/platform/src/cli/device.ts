/** kaoqin device list|register|disable|enable (reconcile|repair|distribution: device-tasks.ts). */
import { openData } from '../app.js';
import { type Parsed, parse, requireString, UsageError } from './args.js';
import { DEVICE_TASK_SUBCOMMANDS, deviceTasksCommand } from './device-tasks.js';
import { iso, printJson, printTable } from './output.js';
import { resolveDevice } from './task.js';

const USAGE = `usage: kaoqin device list [--vendor ID] | register --vendor ID --sn SN | disable SN | enable SN | reconcile --sn SN [--exclude-fields F] | repair --sn SN | distribution --sn SN  [--json]`;

export async function deviceCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub && DEVICE_TASK_SUBCOMMANDS.includes(sub)) return deviceTasksCommand(sub, rest);
  const p: Parsed = parse(rest, { vendor: { type: 'string' }, sn: { type: 'string' } });
  const data = await openData(p.config);
  try {
    switch (sub) {
      case 'list': {
        const vendorRef = p.values.vendor;
        const vendorId = typeof vendorRef === 'string' ? (await data.vendors.find(vendorRef)).id : undefined;
        const rows = (await data.store.devices.list(vendorId ? { vendorId } : {})).map((d) => ({
          deviceId: d.id,
          sn: d.sn,
          vendorId: d.vendorId,
          site: d.siteId ?? 'unassigned',
          online: d.online,
          disabled: d.disabled,
          deviceVersion: d.deviceVersion,
          deviceIp: d.deviceIp,
          firstSeen: iso(d.firstSeenAt),
          lastSeen: iso(d.lastSeenAt),
        }));
        if (p.json) printJson(rows);
        else
          printTable(rows, [
            'sn',
            'vendorId',
            'site',
            'online',
            'disabled',
            'deviceVersion',
            'deviceIp',
            'lastSeen',
          ]);
        return;
      }
      case 'register': {
        const vendor = await data.vendors.find(requireString(p.values, 'vendor'));
        const row = await data.devices.preRegister(vendor.id, requireString(p.values, 'sn'));
        if (p.json) printJson(row);
        else process.stdout.write(`device ${row.sn} registered (${row.id})\n`);
        return;
      }
      case 'disable':
      case 'enable': {
        const sn = p.positionals[0];
        if (!sn) throw new UsageError(USAGE);
        const device = await resolveDevice(data, sn);
        await data.devices.setDisabled(device.id, sub === 'disable');
        if (p.json) printJson({ deviceId: device.id, disabled: sub === 'disable' });
        else process.stdout.write(`device ${sn} ${sub}d\n`);
        return;
      }
      default:
        throw new UsageError(USAGE);
    }
  } finally {
    await data.close();
  }
}
