/**
 * Persons for the generated data set, as the platform stores them since migration 0010:
 * platform-wide identities (the name in clear; the ID-card fields and phone sealed under
 * the data directory's master key with the real SecretBox, so a row is as long as a real
 * one; the ID number's keyed hash, first six and last four characters; one face photo
 * key), their site assignments, and their photo blobs. The photo bytes are not stored:
 * lists sign URLs for the keys and never read the photos.
 *
 * Assignments: person n works on site n mod S; every tenth person also on a second
 * site, and every twentieth has an ended assignment on a third, so site filters meet
 * people on several sites and rosters hold history.
 */

import type { SecretBox } from '../../packages/platform/src/domain/secrets.js';
import { TimeIds } from '../../packages/platform/src/ids.js';
import { DAY_MS, type Plan, Rng } from './dataset.js';

export interface PersonSealing {
  box: SecretBox;
  idNumberHash(idNumber: string): string;
}

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/** GB 11643's check character (ISO 7064 MOD 11-2) of the first seventeen digits. */
export function checkChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return '10X98765432'[sum % 11]!;
}

/** A valid, distinct ID number per person: Hangzhou, born 1970–2009, then a sequence. */
export function idNumber(n: number): string {
  const birth = new Date(Date.UTC(1970, 0, 1) + (n % 14_600) * DAY_MS).toISOString().slice(0, 10);
  const first17 = `330106${birth.replaceAll('-', '')}${String(Math.floor(n / 14_600) % 1000).padStart(3, '0')}`;
  return `${first17}${checkChar(first17)}`;
}

/** The sites of person n, by index into plan.siteIds: active ones, then an ended one if any. */
export function sitesOf(n: number, sites: number): { active: number[]; ended: number[] } {
  const first = n % sites;
  const other = (k: number) => (first + 1 + ((n * k) % (sites - 1))) % sites;
  const active = n % 10 === 0 && sites >= 2 ? [first, other(7)] : [first];
  const ended = n % 20 === 5 && sites >= 3 ? [other(13)].filter((s) => !active.includes(s)) : [];
  return { active, ended };
}

export const PERSON_COLUMNS = [
  'id',
  'name',
  'pii_enc',
  'id_number_hash',
  'id_number_head',
  'id_number_tail',
  'photo_keys',
  'id_card_photo_key',
  'status',
  'version',
  'created_at',
  'updated_at',
  'erased_at',
] as const;

export const ASSIGNMENT_COLUMNS = [
  'id',
  'person_id',
  'site_id',
  'company',
  'team',
  'trade',
  'joined_on',
  'left_on',
  'status',
  'created_at',
  'updated_at',
  'ended_at',
] as const;

export const BLOB_COLUMNS = ['blob_key', 'person_id'] as const;

export interface PersonsData {
  /** Persons, in batches (consume before reading the rest). */
  persons: Generator<unknown[][]>;
  /** Filled while `persons` is consumed. */
  assignments: unknown[][];
  blobs: unknown[][];
  /** Active person ids per site index: who may clock in where. */
  rosters: string[][];
}

const TRADES = ['木工', '钢筋工', '混凝土工', '架子工', '电工', '焊工', '瓦工', '普工'];
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';
const cstDay = (ms: number): string => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);

export function personsData(p: Plan, sealing: PersonSealing, batch: number): PersonsData {
  const out: PersonsData = {
    persons: undefined as unknown as Generator<unknown[][]>,
    assignments: [],
    blobs: [],
    rosters: p.siteIds.map(() => []),
  };
  const rng = new Rng(0x5eed_0002);
  const created = p.startMs - DAY_MS / 2;
  const ids = new TimeIds(0, () => created);
  const joined = cstDay(created);
  const assign = (personId: string, site: number, n: number, ended: boolean) => {
    out.assignments.push([
      ids.next(),
      personId,
      p.siteIds[site],
      `浙江压测劳务有限公司${(n % 7) + 1}`,
      `${TRADES[n % TRADES.length]}班组${(n % 5) + 1}`,
      TRADES[n % TRADES.length],
      joined,
      ended ? cstDay(p.startMs + DAY_MS) : null,
      ended ? 'ended' : 'active',
      created,
      ended ? p.startMs + DAY_MS : created,
      ended ? p.startMs + DAY_MS : null,
    ]);
    if (!ended) out.rosters[site]!.push(personId);
  };
  function* persons(): Generator<unknown[][]> {
    let rows: unknown[][] = [];
    for (let n = 0; n < p.sizes.persons; n++) {
      const id = ids.next();
      const idNo = idNumber(n);
      const pii = {
        idNumber: idNo,
        gender: Number(idNo[16]) % 2 ? '男' : '女',
        ethnicity: '汉',
        address: `浙江省杭州市西湖区文三路${n % 999}号${n % 30}幢`,
        validFrom: '2016-01-01',
        validTo: '2036-01-01',
        issuingAuthority: '杭州市公安局西湖分局',
        phone: `138${String(n).padStart(8, '0')}`,
      };
      const face = rng.hex(64);
      rows.push([
        id,
        `${SURNAMES[n % SURNAMES.length]}工${n}`,
        sealing.box.seal(JSON.stringify(pii)),
        sealing.idNumberHash(idNo),
        idNo.slice(0, 6),
        idNo.slice(-4),
        JSON.stringify([face]),
        null,
        'active',
        1,
        created,
        created,
        null,
      ]);
      out.blobs.push([face, id]);
      const sites = sitesOf(n, p.siteIds.length);
      for (const s of sites.active) assign(id, s, n, false);
      for (const s of sites.ended) assign(id, s, n, true);
      if (rows.length === batch) {
        yield rows;
        rows = [];
      }
    }
    if (rows.length > 0) yield rows;
  }
  out.persons = persons();
  return out;
}
