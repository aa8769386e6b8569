/**
 * What every route module of the management API is given, and the route-level metadata
 * the API's hooks read. A route declares the roles that may call it in
 * `config.roles` ('public' for login and the docs); a route that declares nothing is a
 * start-up error (plugin.ts), so no endpoint can be left open by omission, and the test
 * of every role × every endpoint is generated from the same table (routeTable).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { BlobStore } from '../blobs/types.js';
import type { Config } from '../config/schema.js';
import type { EventHub } from '../domain/live/hub.js';
import type { Presence } from '../domain/presence.js';
import type { Logger } from '../log.js';
import type { PlatformData } from '../platform-data.js';
import type { Role } from '../store/api-types.js';
import type { Audit } from './audit.js';
import type { Accounts } from './auth/accounts.js';
import type { Principal } from './auth/principal.js';
import { ApiError } from './problems.js';

export type ApiApp = FastifyInstance<
  Server,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** Who may call a route: a list of roles, or 'public' (no login). */
export type RouteRoles = readonly Role[] | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    roles?: RouteRoles;
    /** Also accept the session token as ?access_token= (EventSource cannot send headers). */
    queryToken?: boolean;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** The running gateway's view of devices: live, not the store's snapshot that lags the sweep. */
export interface LiveDevices {
  isConnected(deviceId: string): boolean;
  /** Undefined in a cluster for a device with no request on this node: read the store. */
  isOnline(deviceId: string): boolean | undefined;
  lastSeenAt(deviceId: string): number | undefined;
}

export interface ApiDeps {
  config: Config;
  data: PlatformData;
  accounts: Accounts;
  audit: Audit;
  /** Clock-in photos (the segment log). */
  attendancePhotos: BlobStore;
  presence?: Presence;
  live?: LiveDevices;
  /** Live events for GET /api/v1/events (domain/live); absent, the stream answers 503. */
  eventHub?: EventHub;
  /**
   * Erases a person's clock-in photos from the attendance photo store (PIPL erasure);
   * the attendance rows stay, without their photo. Wired by app.ts.
   */
  attendanceErasure?: { erasePerson(personId: string): Promise<{ photos: number }> };
  logger: Logger;
  now: () => number;
}

/** One row of the route table: what the role tests and the docs walk. */
export interface ApiRouteInfo {
  method: string;
  url: string;
  roles: RouteRoles;
}

/** The caller of a route that requires a login (the auth hook has run). */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new ApiError('unauthenticated');
  return req.principal;
}

/** Roles by intent, so route files read as policy. */
export const R = {
  /** Everyone logged in (each route then confines what it shows to the caller's scope). */
  anyone: ['admin', 'operator', 'site_manager', 'vendor', 'auditor'],
  /** Read access to sites, persons, attendance. */
  siteReaders: ['admin', 'operator', 'site_manager', 'auditor'],
  /** Changes to sites' workers, assignments and devices' sites. */
  siteWriters: ['admin', 'operator', 'site_manager'],
  /** Platform-wide management (vendors, firmware, sites themselves). */
  operators: ['admin', 'operator'],
  admins: ['admin'],
  /** Devices: read by everyone with a scope over them. */
  deviceReaders: ['admin', 'operator', 'site_manager', 'vendor', 'auditor'],
} as const satisfies Record<string, readonly Role[]>;
