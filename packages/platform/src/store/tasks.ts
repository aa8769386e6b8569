/** Chapter 3 repos on Kysely: one implementation for SQLite and PostgreSQL, one file each. */
import type { Kysely } from 'kysely';
import { assignmentRepo } from './assignments.js';
import { deviceTaskRepo } from './device-tasks.js';
import type { Capabilities } from './dialect.js';
import { distributionRepo } from './distribution.js';
import { firmwareRepo } from './firmware.js';
import { personRepo } from './persons.js';
import { rosterRepo } from './roster.js';
import type { Database } from './schema-types.js';
import { siteRepo } from './sites.js';
import { taskRepo } from './task-queue.js';
import type { TaskStore } from './task-types.js';

export function taskStore(db: Kysely<Database>, caps: Capabilities): TaskStore {
  return {
    sites: siteRepo(db, caps),
    persons: personRepo(db, caps),
    assignments: assignmentRepo(db, caps),
    tasks: taskRepo(db, caps),
    distribution: distributionRepo(db, caps),
    firmware: firmwareRepo(db, caps),
    roster: rosterRepo(db, caps),
    deviceTasks: deviceTaskRepo(db, caps),
  };
}
