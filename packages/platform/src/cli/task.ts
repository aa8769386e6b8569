/**
 * kaoqin task list --sn SN, and what every chapter 3 command needs: the one device an
 * operator's SN names, and the distribution summary (`kaoqin device distribution`).
 */
import type { PlatformData } from '../app.js';
import { openData } from '../app.js';
import type { Config } from '../config/schema.js';
import type { DeviceRow } from '../store/types.js';
import { deviceBySn, distributionSummary } from '../tasks/device-ops.js';
import { optionalPositiveInt, parse, requireString, UsageError } from './args.js';
import { iso, printJson, printTable } from './output.js';

const USAGE = 'usage: kaoqin task list --sn SN [--limit N] [--json]';

/** The device an SN names (SNs are unique per vendor only, D5: several vendors' is an error). */
export function resolveDevice(data: PlatformData, sn: string): Promise<DeviceRow> {
  return deviceBySn(data.store, sn);
}

export async function taskCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const p = parse(rest, { sn: { type: 'string' }, limit: { type: 'string' } });
  if (sub !== 'list') throw new UsageError(USAGE);
  const sn = requireString(p.values, 'sn');
  const limit = optionalPositiveInt(p.values, 'limit');
  const data = await openData(p.config);
  try {
    const device = await resolveDevice(data, sn);
    const rows = (await data.store.tasks.listForDevice(device.id, limit)).map((t) => ({
      taskId: t.id,
      apicode: t.apicode,
      state: t.state,
      total: t.total,
      created: iso(t.createdAt),
      offered: iso(t.offeredAt),
      fetched: iso(t.fetchedAt),
      finished: iso(t.finishedAt),
      reason: t.reason,
    }));
    if (p.json) printJson(rows);
    else
      printTable(rows, [
        'taskId',
        'apicode',
        'state',
        'total',
        'created',
        'offered',
        'fetched',
        'finished',
        'reason',
      ]);
  } finally {
    await data.close();
  }
}

/** What the platform expects on a device against what the device last reported (T_UPDATE_TASKS_STATUS). */
export async function printDistribution(
  data: PlatformData,
  config: Config,
  device: DeviceRow,
  json: boolean,
): Promise<void> {
  const found = await distributionSummary(data.store, config.deviceFaceCapacity, device);
  const counts = found.states;
  const site = device.siteId ? await data.store.sites.get(device.siteId) : undefined;
  const summary = {
    ...found,
    siteName: site?.name ?? null,
    reportedAt: iso(found.reportedAt),
  };
  if (json) {
    printJson(summary);
    return;
  }
  const out = process.stdout;
  out.write(`device ${device.sn} (${device.id}), site ${summary.siteName ?? 'unassigned'}\n`);
  out.write(
    `expected  ${summary.expectedPersons} persons (pending ${counts.pending}, on_device ${counts.on_device}), capacity ${summary.faceCapacity} faces\n`,
  );
  out.write(
    summary.reportedAt
      ? `reported  ${summary.reportedPersonCount ?? '-'} persons, ${summary.reportedFaceCount ?? '-'} faces at ${summary.reportedAt}\n`
      : 'reported  nothing yet (the device sends counts with T_UPDATE_TASKS_STATUS)\n',
  );
  printTable(
    Object.entries(counts).map(([state, n]) => ({ state, persons: n })),
    ['state', 'persons'],
  );
  const { missing, extra } = summary.openDifferences;
  if (missing || extra)
    out.write(
      `reconciliation: ${missing} missing, ${extra} extra not yet repaired (kaoqin device repair --sn ${device.sn})\n`,
    );
}
