/**
 * Every migration, in code: bundled with the build and never read from disk at run time.
 * Names sort in the order they apply (NNNN_); an applied migration is never edited, a
 * change is a new one.
 */
import type { Migration, MigrationProvider } from 'kysely';
import { migration as m0001 } from './0001_vendors_sites_devices.js';
import { migration as m0002 } from './0002_device_events.js';
import { migration as m0003 } from './0003_attendance.js';
import { migration as m0004 } from './0004_device_changed_at.js';
import { migration as m0005 } from './0005_attendance_by_sn_via_devices.js';
import { migration as m0006 } from './0006_tasks.js';
import { migration as m0007 } from './0007_distribution_by_task.js';
import { migration as m0008 } from './0008_accounts_audit.js';
import { migration as m0009 } from './0009_sites_geofence.js';
import { migration as m0010 } from './0010_person_identity.js';
import { migration as m0011 } from './0011_device_kind.js';
import { migration as m0012 } from './0012_attendance_api.js';
import { migration as m0014 } from './0014_imports.js';
import { migration as m0015 } from './0015_enrolment_checks.js';
import { migration as m0016 } from './0016_iris.js';
import { migration as m0017 } from './0017_attendance_rules.js';
import { migration as m0018 } from './0018_qr_keys.js';
import { migration as m0019 } from './0019_attendance_stats.js';
import { migration as m0020 } from './0020_webhooks.js';
import { migration as m0021 } from './0021_mobile.js';
import { migration as m0022 } from './0022_coordinate_accuracy.js';
import { migration as m0023 } from './0023_blobs.js';
import { migration as m0024 } from './0024_attendance_partitioned.js';
import { migration as m0025 } from './0025_attendance_key_by_time.js';
import { migration as m0026 } from './0026_distribution_by_task_and_device.js';

/**
 * Rule for every migration from 0013 on: it only adds (tables, columns, indexes), so the
 * previous release keeps running on the migrated schema during a rolling upgrade
 * (docs/operations.md, "Rolling upgrades"). 0005, 0010 and 0012 predate the rule.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001_vendors_sites_devices': m0001,
  '0002_device_events': m0002,
  '0003_attendance': m0003,
  '0004_device_changed_at': m0004,
  '0005_attendance_by_sn_via_devices': m0005,
  '0006_tasks': m0006,
  '0007_distribution_by_task': m0007,
  '0008_accounts_audit': m0008,
  '0009_sites_geofence': m0009,
  '0010_person_identity': m0010,
  '0011_device_kind': m0011,
  '0012_attendance_api': m0012,
  '0014_imports': m0014,
  '0015_enrolment_checks': m0015,
  '0016_iris': m0016,
  '0017_attendance_rules': m0017,
  '0018_qr_keys': m0018,
  '0019_attendance_stats': m0019,
  '0020_webhooks': m0020,
  '0021_mobile': m0021,
  '0022_coordinate_accuracy': m0022,
  '0023_blobs': m0023,
  '0024_attendance_partitioned': m0024,
  '0025_attendance_key_by_time': m0025,
  '0026_distribution_by_task_and_device': m0026,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...migrations }),
};
