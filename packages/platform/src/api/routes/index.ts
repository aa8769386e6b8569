/**
 * Every route module of /api/v1, in one list. Each module owns one resource (and its
 * actions) and declares the roles of each route.
 */
import type { ApiApp, ApiDeps } from '../types.js';
import { accountRoutes } from './accounts.js';
import { attendanceRoutes } from './attendance.js';
import { attendanceRulesRoutes } from './attendance-rules.js';
import { auditRoutes } from './audit.js';
import { authRoutes } from './auth.js';
import { deviceRoutes } from './devices.js';
import { enrolmentCheckRoutes } from './enrolment-checks.js';
import { eventRoutes } from './events.js';
import { firmwareRoutes } from './firmware.js';
import { importRoutes } from './imports.js';
import { mobileCodeRoutes } from './mobile-codes.js';
import { overviewRoutes } from './overview.js';
import { personRoutes } from './persons.js';
import { qrCodeRoutes } from './qr-codes.js';
import { sheetRoutes } from './sheets.js';
import { siteRoutes } from './sites.js';
import { statsRoutes } from './stats.js';
import { taskRoutes } from './tasks.js';
import { vendorRoutes } from './vendors.js';
import { webhookRoutes } from './webhooks.js';

export type RouteModule = (api: ApiApp, deps: ApiDeps) => void | Promise<void>;

export const API_ROUTE_MODULES: readonly RouteModule[] = [
  authRoutes,
  accountRoutes,
  auditRoutes,
  siteRoutes,
  personRoutes,
  qrCodeRoutes,
  mobileCodeRoutes,
  enrolmentCheckRoutes,
  importRoutes,
  deviceRoutes,
  vendorRoutes,
  taskRoutes,
  firmwareRoutes,
  attendanceRoutes,
  statsRoutes,
  overviewRoutes,
  sheetRoutes,
  attendanceRulesRoutes,
  eventRoutes,
  webhookRoutes,
];
