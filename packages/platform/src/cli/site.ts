/** kaoqin site create|list|bind-device|resync: sites (工地) and the devices that serve them. */
import type { PlatformData } from '../app.js';
import { openData } from '../app.js';
import type { DeviceRow } from '../store/types.js';
import { bindDevice } from '../tasks/device-ops.js';
import type { Enqueued } from '../tasks/engine.js';
import { parse, requireString, UsageError } from './args.js';
import { iso, printJson, printTable } from './output.js';
import { resolveDevice } from './task.js';

const SHOWN = 20;

/** The flags each subcommand requires; a subcommand not here is a usage error. */
const REQUIRED: Record<string, readonly string[]> = {
  create: ['name'],
  list: [],
  'bind-device': ['site', 'sn'],
  resync: ['sn'],
};

const USAGE =
  'usage: kaoqin site create --name NAME | list | bind-device --site ID --sn SN | resync --sn SN  [--json]';

export async function siteCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const p = parse(rest, { name: { type: 'string' }, site: { type: 'string' }, sn: { type: 'string' } });
  // Flags are checked before the data is opened: a typo never touches the store.
  // hasOwn: `site constructor` must be a usage error, not Object's prototype.
  const need = sub !== undefined && Object.hasOwn(REQUIRED, sub) ? REQUIRED[sub] : undefined;
  if (!need) throw new UsageError(USAGE);
  for (const flag of need) requireString(p.values, flag);
  const data = await openData(p.config);
  try {
    switch (sub) {
      case 'create': {
        const site = await data.persons.createSite(requireString(p.values, 'name'));
        if (p.json) printJson({ siteId: site.id, name: site.name, createdAt: iso(site.createdAt) });
        else process.stdout.write(`site ${site.name} created (${site.id})\n`);
        return;
      }
      case 'list': {
        const rows = [];
        for (const s of await data.store.sites.list()) {
          rows.push({
            siteId: s.id,
            name: s.name,
            devices: (await data.store.deviceTasks.idsOfSite(s.id)).length,
            persons: await data.store.persons.countActive(s.id),
            createdAt: iso(s.createdAt),
          });
        }
        if (p.json) printJson(rows);
        else printTable(rows, ['siteId', 'name', 'devices', 'persons', 'createdAt']);
        return;
      }
      case 'bind-device': {
        const device = await resolveDevice(data, requireString(p.values, 'sn'));
        const siteId = requireString(p.values, 'site');
        const sent = await bindDevice(data, device.id, siteId);
        await report(data, device, siteId, sent, p.json, 'bound to');
        return;
      }
      case 'resync': {
        const device = await resolveDevice(data, requireString(p.values, 'sn'));
        if (!device.siteId)
          throw new Error(`device ${device.sn} is not bound to a site (kaoqin site bind-device)`);
        const sent = await data.engine.fullSync(device.id, device.siteId);
        await report(data, device, device.siteId, sent, p.json, 'resynced with');
        return;
      }
    }
  } finally {
    await data.close();
  }
}

/** A clear + full send: how many persons travel, and who was refused for capacity and why. */
async function report(
  data: PlatformData,
  device: DeviceRow,
  siteId: string,
  sent: Enqueued,
  json: boolean,
  verb: string,
): Promise<void> {
  const task = sent.taskId ? await data.store.tasks.get(sent.taskId) : undefined;
  const queued = task?.total ?? 0;
  const ids = new Set(sent.refused);
  const refused = ids.size
    ? (await data.store.distribution.forDevice(device.id, ['refused']))
        .filter((d) => ids.has(d.personId))
        .map((d) => ({ personId: d.personId, reason: d.reason ?? 'capacity' }))
    : [];
  if (json) {
    printJson({ deviceId: device.id, sn: device.sn, siteId, taskId: sent.taskId ?? null, queued, refused });
    return;
  }
  const site = (await data.store.sites.get(siteId))?.name ?? siteId;
  process.stdout.write(
    `device ${device.sn} ${verb} site ${site}: clear, then T_SEND_PERSON task ${sent.taskId ?? '-'} with ${queued} person(s)\n`,
  );
  if (refused.length) {
    process.stdout.write(`${refused.length} person(s) refused: ${refused[0]!.reason}\n`);
    // A site far over capacity could list thousands: the text view shows a sample, --json all.
    for (const r of refused.slice(0, SHOWN)) process.stdout.write(`  ${r.personId}\n`);
    if (refused.length > SHOWN)
      process.stdout.write(`  … and ${refused.length - SHOWN} more (--json lists all)\n`);
  }
}
