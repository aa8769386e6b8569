/**
 * kaoqin person add|assign|remove|list|show: enrol a person once (one identity per ID
 * number on the platform) and assign them to sites; the platform queues them for every
 * device of each site. ID numbers are shown masked to their last four characters: the
 * full number is sealed (PIPL) and an operator's terminal is no place for it.
 */
import { readFile } from 'node:fs/promises';
import type { PlatformData } from '../app.js';
import { openData } from '../app.js';
import type { Config } from '../config/schema.js';
import type { PersonRow } from '../store/index.js';
import type { Enqueued } from '../tasks/engine.js';
import { EnrolmentError, type NewPerson } from '../tasks/persons.js';
import { optionalString, type Parsed, parse, requireString, strings, UsageError } from './args.js';
import { iso, printJson, printTable } from './output.js';

const USAGE =
  'usage: kaoqin person add --site ID --name N --id-number X --photo FILE [--photo FILE] [--phone P] [--gender G] ' +
  '[--ethnicity E] [--address A] [--valid-from D] [--valid-to D] [--issuing-authority A] ' +
  '[--id-card-photo FILE] [--id-card-front FILE] [--id-card-back FILE] | ' +
  'assign ID --site ID [--company C] [--team T] [--trade T] | remove ID | list --site ID | show ID | ' +
  'seal-card-photos  [--json]';

/** Optional ID-card fields: flag name → NewPerson field. */
const PII_FLAGS = {
  phone: 'phone',
  gender: 'gender',
  ethnicity: 'ethnicity',
  address: 'address',
  'valid-from': 'validFrom',
  'valid-to': 'validTo',
  'issuing-authority': 'issuingAuthority',
} as const;

/** The ID card's images: flag name → NewPerson field (stored sealed). */
const CARD_FLAGS = {
  'id-card-photo': 'idCardPhoto',
  'id-card-front': 'idCardFront',
  'id-card-back': 'idCardBack',
} as const;

export const maskIdNumber = (tail: string): string => `${'*'.repeat(14)}${tail}`;

export async function personCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const p = parse(rest, {
    site: { type: 'string' },
    name: { type: 'string' },
    'id-number': { type: 'string' },
    photo: { type: 'string', multiple: true },
    ...Object.fromEntries(Object.keys(CARD_FLAGS).map((f) => [f, { type: 'string' as const }])),
    company: { type: 'string' },
    team: { type: 'string' },
    trade: { type: 'string' },
    ...Object.fromEntries(Object.keys(PII_FLAGS).map((f) => [f, { type: 'string' as const }])),
  });
  switch (sub) {
    case 'add':
      return add(p.values, p.config, p.json);
    case 'assign':
    case 'remove':
    case 'show': {
      const id = p.positionals[0];
      if (!id) throw new UsageError(USAGE);
      const siteId = sub === 'assign' ? requireString(p.values, 'site') : '';
      const data = await openData(p.config);
      try {
        if (sub === 'assign') await assign(data, id, siteId, p.values, p.json);
        else if (sub === 'remove') await remove(data, id, p.json);
        else await show(data, id, p.json);
      } finally {
        await data.close();
      }
      return;
    }
    case 'list': {
      const siteId = requireString(p.values, 'site');
      const data = await openData(p.config);
      try {
        await list(data, siteId, p.json);
      } finally {
        await data.close();
      }
      return;
    }
    case 'seal-card-photos': {
      // Once after upgrading: card photos stored in plain before issue 11 get sealed.
      const data = await openData(p.config);
      try {
        const sealed = await data.persons.sealLegacyCardPhotos();
        if (p.json) printJson({ sealed });
        else process.stdout.write(`${sealed} ID card photo(s) sealed\n`);
      } finally {
        await data.close();
      }
      return;
    }
    default:
      throw new UsageError(USAGE);
  }
}

async function add(values: Parsed['values'], config: Config, json: boolean): Promise<void> {
  const files = strings(values, 'photo');
  const input: Omit<NewPerson, 'photos'> = {
    siteId: requireString(values, 'site'),
    name: requireString(values, 'name'),
    idNumber: requireString(values, 'id-number'),
  };
  if (files.length === 0) throw new UsageError('--photo is required (one or more face photos)');
  for (const [flag, field] of Object.entries(PII_FLAGS)) {
    const v = optionalString(values, flag);
    if (v !== undefined) input[field] = v;
  }
  const photos: Uint8Array[] = [];
  for (const f of files) photos.push(await readPicture(f));
  const names: Record<string, string> = Object.fromEntries(
    files.map((f, i) => [`photos.${i}`, `photo ${f}`]),
  );
  for (const [flag, field] of Object.entries(CARD_FLAGS)) {
    const f = optionalString(values, flag);
    if (f === undefined) continue;
    input[field] = await readPicture(f);
    names[field] = `${flag} ${f}`;
  }
  const data = await openData(config);
  try {
    let added: Awaited<ReturnType<PlatformData['persons']['add']>>;
    try {
      added = await data.persons.add({ ...input, photos });
    } catch (e) {
      throw reasons(e, names);
    }
    const { person, devices } = added;
    const rows = await sentTo(data, person.id, devices);
    if (json) {
      printJson({ personId: person.id, siteId: input.siteId, name: person.name, devices: rows });
      return;
    }
    process.stdout.write(`person ${person.name} enrolled (${person.id})\n`);
    printSent(rows);
  } finally {
    await data.close();
  }
}

/** Per device of the site: the task that carries the person, or why the device refused them. */
async function sentTo(data: PlatformData, personId: string, devices: Map<string, Enqueued>) {
  const rows = [];
  const dist = new Map((await data.store.distribution.forPerson(personId)).map((d) => [d.deviceId, d]));
  for (const [deviceId, sent] of devices) {
    const refused = sent.refused.includes(personId);
    rows.push({
      deviceId,
      sn: (await data.store.devices.byId(deviceId))?.sn ?? deviceId,
      taskId: refused ? null : (sent.taskId ?? null),
      refused: refused ? (dist.get(deviceId)?.reason ?? 'capacity') : null,
    });
  }
  return rows;
}

function printSent(rows: Awaited<ReturnType<typeof sentTo>>): void {
  if (rows.length === 0) process.stdout.write('no device is bound to this site yet\n');
  for (const r of rows)
    process.stdout.write(`  ${r.sn}  ${r.refused ? `refused: ${r.refused}` : `task ${r.taskId}`}\n`);
}

/** §1.1(7): a person enrolled once works on another site: no second capture. */
async function assign(
  data: PlatformData,
  id: string,
  siteId: string,
  values: Parsed['values'],
  json: boolean,
): Promise<void> {
  const person = await data.persons.active(id);
  const { assignment, devices } = await data.persons.assignments.assign(person, {
    siteId,
    company: optionalString(values, 'company') ?? null,
    team: optionalString(values, 'team') ?? null,
    trade: optionalString(values, 'trade') ?? null,
  });
  const rows = await sentTo(data, person.id, devices);
  if (json) {
    printJson({ personId: person.id, assignmentId: assignment.id, siteId, devices: rows });
    return;
  }
  process.stdout.write(`person ${person.name} assigned to site ${siteId} (${assignment.id})\n`);
  printSent(rows);
}

async function readPicture(f: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(f));
  } catch (e) {
    throw new Error(`cannot read photo ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * The enrolment check (enrolment/check.ts) refuses with every failed rule: the operator
 * sees them all on one line under the codes the API and the import use. A card field
 * reads `field: code: message`; a picture is named by its file, as the operator knows
 * it: `photo FILE: message (code, measured value)`.
 */
function reasons(e: unknown, names: Record<string, string>): unknown {
  if (!(e instanceof EnrolmentError) || !e.problems) return e;
  const line = e.problems.map((p) => {
    const name = names[p.field];
    if (name === undefined) return `${p.field}: ${p.code}: ${p.message}`;
    return `${name}: ${p.message} (${p.code}${p.value ? `, ${p.value}` : ''})`;
  });
  return new EnrolmentError(e.code, line.join('; '), e.field);
}

async function remove(data: PlatformData, id: string, json: boolean): Promise<void> {
  await data.persons.remove(id);
  // Every device of every site the person was on gets a T_DEL_DEVICE_PERSON; the person's
  // rows say removing until it reports. The identity stays (it may be assigned again).
  const devices = (await data.store.distribution.forPerson(id)).filter((d) => d.state === 'removing');
  if (json) printJson({ personId: id, removed: true, deletesQueued: devices.length });
  else process.stdout.write(`person ${id} removed; a delete is queued for ${devices.length} device(s)\n`);
}

async function list(data: PlatformData, siteId: string, json: boolean): Promise<void> {
  if (!(await data.store.sites.get(siteId))) throw new EnrolmentError('site_not_found', `no site ${siteId}`);
  const rows = (await data.store.persons.activeOfSite(siteId)).map((r) => ({
    personId: r.id,
    name: r.name,
    idNumber: maskIdNumber(r.idNumberTail),
    photos: r.photoKeys.length,
    createdAt: iso(r.createdAt),
  }));
  if (json) printJson(rows);
  else printTable(rows, ['personId', 'name', 'idNumber', 'photos', 'createdAt']);
}

async function show(data: PlatformData, id: string, json: boolean): Promise<void> {
  const person: PersonRow | undefined = await data.store.persons.get(id);
  if (!person || person.status === 'erased') throw new EnrolmentError('person_not_found', `no person ${id}`);
  const assignments = [];
  for (const a of await data.store.assignments.ofPerson(id))
    assignments.push({
      assignmentId: a.id,
      siteId: a.siteId,
      siteName: (await data.store.sites.get(a.siteId))?.name ?? null,
      status: a.status,
      joinedOn: a.joinedOn,
      leftOn: a.leftOn,
    });
  const devices = [];
  for (const d of await data.store.distribution.forPerson(id)) {
    devices.push({
      deviceId: d.deviceId,
      sn: (await data.store.devices.byId(d.deviceId))?.sn ?? d.deviceId,
      state: d.state,
      reason: d.reason,
      taskId: d.taskId,
      updatedAt: iso(d.updatedAt),
    });
  }
  const view = {
    personId: person.id,
    name: person.name,
    idNumber: maskIdNumber(person.idNumberTail),
    photos: person.photoKeys.length,
    status: person.status,
    createdAt: iso(person.createdAt),
    updatedAt: iso(person.updatedAt),
    assignments,
    devices,
  };
  if (json) {
    printJson(view);
    return;
  }
  process.stdout.write(
    `person ${view.name} (${view.personId}), ${view.status}\n` +
      `ID number ${view.idNumber}\nphotos    ${view.photos}\ncreated   ${view.createdAt}\n`,
  );
  printTable(assignments, ['siteName', 'siteId', 'status', 'joinedOn', 'leftOn']);
  printTable(devices, ['sn', 'state', 'reason', 'taskId', 'updatedAt']);
}
