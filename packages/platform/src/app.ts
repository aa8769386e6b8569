/**
 * The composition root: builds every part from the config, wires them, starts the
 * servers and the periodic jobs, and stops them in the order that loses nothing:
 * stop accepting, let in-flight requests finish and be answered, write what is
 * buffered, close the store.
 */
import { join } from 'node:path';
import { Audit } from './api/audit.js';
import { Accounts } from './api/auth/accounts.js';
import { IDEMPOTENCY_TTL_MS } from './api/idempotency.js';
import { API_PREFIX, type ApiHandle, registerApi } from './api/plugin.js';
import type { ApiDeps, ApiRouteInfo } from './api/types.js';
import { webhookAttendanceRenderer } from './api/webhook-attendance.js';
import { blobBackend } from './blob-backend.js';
import { openLocalBlobStore } from './blobs/local.js';
import { openPgBlobStore } from './blobs/postgres.js';
import { openSegmentBlobStore } from './blobs/segments.js';
import type { BlobStore } from './blobs/types.js';
import type { Bus } from './cluster/bus.js';
import { IpcBus, type IpcClient, IpcPresenceRegistry, IpcTokenStore } from './cluster/ipc-client.js';
import { LeaderRef, NEVER_LEADER, PgLeader, SOLE_LEADER } from './cluster/leader.js';
import { LiveBus } from './cluster/live-bus.js';
import { PushRoute } from './cluster/push-route.js';
import type { Config } from './config/schema.js';
import { lockDataDir } from './data-lock.js';
import { AttendancePhotos } from './domain/attendance-photos.js';
import { PlatformFaceVerifier } from './domain/attendance-rules/face-verifier.js';
import { SiteFences } from './domain/attendance-rules/site-fences.js';
import { BackgroundBudget } from './domain/background-budget.js';
import { Devices } from './domain/devices.js';
import { DeviceEvents } from './domain/events.js';
import { AttendanceWriter } from './domain/ingest.js';
import { IngestMeter } from './domain/ingest-meter.js';
import { LiveEvents } from './domain/live/emitter.js';
import { EventHub } from './domain/live/hub.js';
import { openMobileAttendance } from './domain/mobile/index.js';
import { Presence } from './domain/presence.js';
import { QrCodes } from './domain/qr/service.js';
import { SiteRosters } from './domain/rosters.js';
import { loadMasterKey, SecretBox } from './domain/secrets.js';
import { DailySummaries } from './domain/stats/daily-summaries.js';
import { StatsProjector } from './domain/stats/projector.js';
import { MemoryTokenStore, type TokenStore } from './domain/tokens.js';
import { OutageTolerantTokens } from './domain/tokens-fallback.js';
import { Vendors } from './domain/vendors.js';
import { cachedPhotos } from './downloads/cached-photos.js';
import { fastPhotoRoute } from './downloads/fast-photo.js';
import { registerDownloadRoutes } from './downloads/routes.js';
import { createUrlSigner, deriveDownloadKey } from './downloads/signer.js';
import { EnrolmentChecks } from './enrolment/check.js';
import type { FaceService } from './enrolment/face-service.js';
import { openHumanFaces } from './enrolment/human.js';
import { openFirmwareImages } from './firmware-images/index.js';
import type { GatewayContext } from './gateway/context.js';
import { Gateway } from './gateway/gateway.js';
import { FrameRequests } from './gateway/process.js';
import { taskPusher } from './gateway/push.js';
import { registerConsole } from './http/console.js';
import { CaptureEnrolment, checkOnlyOf, irisIntake } from './http/device/capture-enrolment.js';
import { deviceEndpoint } from './http/device/route.js';
import { addFrontRoute } from './http/front-routes.js';
import { MOBILE_PREFIX, registerMobile } from './http/mobile.js';
import { mobileApi } from './http/mobile-api/route.js';
import { mobileBridge } from './http/mobile-bridge/route.js';
import { buildHttpServer } from './http/server.js';
import { TimeIds } from './ids.js';
import { ImportPace } from './imports/pace.js';
import { irisPool } from './iris/pool.js';
import { IrisService } from './iris/service.js';
import type { Logger } from './log.js';
import { throttled } from './log-throttle.js';
import { PlatformMetrics } from './metrics/metrics.js';
import type { PlatformData } from './platform-data.js';
import { RedisBus } from './redis/bus.js';
import { connectRedis } from './redis/client.js';
import { RedisPresenceRegistry } from './redis/presence.js';
import { RedisTokenStore } from './redis/tokens.js';
import { requestCore } from './requests/compose.js';
import { PARTITION_MONTHS_AHEAD } from './store/attendance-partitions.js';
import { openStore } from './store/index.js';
import type { Store } from './store/types.js';
import { TaskEngine } from './tasks/engine.js';
import { Firmware } from './tasks/firmware.js';
import { Persons } from './tasks/persons.js';
import { Reconciler } from './tasks/reconcile.js';
import { TaskService } from './tasks/service.js';
import { Webhooks } from './webhooks/service.js';
import { wakingSink } from './webhooks/wake.js';

export type { PlatformData } from './platform-data.js';

export interface DataOptions {
  /**
   * The face detector to use instead of opening one: a worker of serve --workers asks its
   * primary's (cluster/ipc-client.ts), so the machine holds one model, not one per process.
   */
  faces?: FaceService;
}

export async function openData(
  config: Config,
  logger?: Logger,
  now: () => number = Date.now,
  opts: DataOptions = {},
): Promise<PlatformData> {
  // One generator for the process: ids from two generators of one node could collide.
  // It reads the wall clock, not `now` (which tests freeze or move): an id must never
  // repeat after a restart, and the wall clock is what has moved on since.
  const ids = new TimeIds(config.nodeId);
  blobBackend(config); // a blob store the config cannot have is said before anything opens
  const store = await openStore({
    dataDir: config.dataDir,
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    ...(logger ? { logger } : {}),
    ids,
  });
  try {
    return await assembleData(config, store, ids, logger, now, opts);
  } catch (err) {
    await store.close(); // a bad master key or an unreadable dataDir must not leave the store open
    throw err;
  }
}

async function assembleData(
  config: Config,
  store: Store,
  ids: TimeIds,
  logger: Logger | undefined,
  now: () => number,
  opts: DataOptions,
): Promise<PlatformData> {
  // On a shared database only `serve` may lead (it hands over its PgLeader); a CLI
  // process there never sends webhooks. On SQLite the one process is the leader.
  const leader = new LeaderRef(config.databaseUrl ? NEVER_LEADER : SOLE_LEADER);
  const masterKey = await loadMasterKey(config.dataDir, config.masterKey);
  const box = new SecretBox(masterKey);
  const vendors = new Vendors(store, box);
  await vendors.refresh();
  const events = new DeviceEvents(store);
  const devices = new Devices(store, events, now);
  // Enrolment photos: in the database when it is PostgreSQL (every process of a cluster
  // serves them), else files in the data directory (blob-backend.ts).
  const faces =
    blobBackend(config) === 'database'
      ? await openPgBlobStore(config.databaseUrl!, 'faces', {
          onError: (err) => logger?.warn({ err }, 'photo store: database connection lost'),
        })
      : await openLocalBlobStore(join(config.dataDir, 'faces'));
  const engine = new TaskEngine(
    store,
    {
      reofferAfterMs: config.taskReofferAfterMs,
      expireAfterMs: config.taskExpireAfterMs,
      defaultFaceCapacity: config.deviceFaceCapacity,
    },
    now,
    ids,
  );
  // The face pool starts with the data and is closed with it; its model loads at the first
  // photo, and the pool unloads it after faceIdleMs without face work (the next photo loads it).
  const faceService =
    config.faceDetector === 'off'
      ? undefined
      : (opts.faces ??
        openHumanFaces({
          workers: config.faceWorkers,
          queueMax: config.faceQueueMax,
          idleMs: config.faceIdleMs,
        }));
  const checks = new EnrolmentChecks({
    faces: faceService,
    threshold: config.faceMatchThreshold ?? faceService?.defaultThreshold ?? 0,
    policy: config.faceMatchPolicy,
    workers: config.faceWorkers,
  });
  const persons = new Persons(store, faces, box, masterKey, engine, now, ids, checks);
  // Mobile clock-ins' selfies against the enrolled face (issue 14), on the enrolment face
  // pool; none with faceDetector 'off' (then no mobile clock-in is real-name).
  const faceVerifier = faceService
    ? new PlatformFaceVerifier({
        persons: store.persons,
        photos: faces,
        faces: (photo) => faceService.cardFaces(photo),
        threshold: checks.threshold,
      })
    : undefined;
  // An erased person's embedding must not stay in memory (PIPL).
  if (faceVerifier) persons.onErased((keys) => faceVerifier.forget(keys));
  // Iris images share the face photo store (served by the same signed URLs); the pool's thread starts at the first image.
  const iris = new IrisService({ store, blobs: faces, checker: irisPool(), engine, now });
  // Firmware images beside the photos: in the database a cluster shares, or in dataDir.
  const firmware = new Firmware(
    store,
    await openFirmwareImages(config, (err) =>
      logger?.warn({ err }, 'firmware store: database connection lost'),
    ),
    engine,
    now,
    ids,
  );
  const qr = new QrCodes(store, box, now);
  // Phones as devices (issue 14): the mobile vendor is made here, before the vendor cache
  // below is read again, so the request core knows it from the start.
  const mobile = await openMobileAttendance({
    store,
    box,
    masterKey,
    devices,
    qr,
    idNumberOf: (p) => persons.pii(p).idNumber,
    ids,
    now,
  });
  persons.assignments.onEnded((a) => mobile.registration.disablePhonesOf(a.personId, a.siteId));
  await vendors.refresh();
  const reconciler = new Reconciler(store, engine, config.autoRepair, ids);
  const urls = createUrlSigner({ key: deriveDownloadKey(masterKey), ttlMs: config.downloadUrlTtlMs });
  const accounts = new Accounts(
    store,
    { sessionTtlMs: config.sessionTtlMs, passwordHashCost: config.passwordHashCost },
    now,
    ids,
  );
  const audit = new Audit(store, now, (err) => logger?.error({ err }, 'audit entry not written'), ids);
  // Followers of the attendance table share one budget of a busy loop (docs/attendance-statistics.md).
  // Clock-ins made durable, fed by the attendance writer: the load background work yields to.
  const ingest = new IngestMeter();
  const background = new BackgroundBudget({ share: config.backgroundShare, ingest });
  // Outbound webhooks (docs/webhooks.md): built here so the API and the CLI see one registry; started by boot.
  const webhooks = new Webhooks(
    {
      repo: store.webhooks,
      budget: background,
      box,
      renderAttendance: webhookAttendanceRenderer(store),
      leading: () => leader.leading,
      ids,
      now,
      ...(logger ? { log: logger.child({ part: 'webhooks' }) } : {}),
    },
    {
      follow: config.webhooks,
      allowPrivate: config.webhookAllowPrivate,
      timeoutMs: config.webhookTimeoutMs,
      retryBaseMs: config.webhookRetryBaseMs,
      retryMaxMs: config.webhookRetryMaxMs,
      maxAttempts: config.webhookMaxAttempts,
      retentionMs: config.webhookDeliveryRetentionDays * 86_400_000,
    },
  );
  await webhooks.load();
  return {
    store,
    vendors,
    devices,
    events,
    faces,
    faceVerifier,
    engine,
    persons,
    iris,
    qr,
    mobile,
    firmware,
    reconciler,
    urls,
    accounts,
    audit,
    ids,
    leader,
    webhooks,
    background,
    ingest,
    importPace: new ImportPace({
      yieldAbove: config.importYieldAbove,
      rowsPerSecond: config.importRowsUnderLoad,
      load: () => ingest.perSecond(),
    }),
    async close() {
      engine.close();
      await webhooks.close();
      background.close();
      await audit.flush();
      await events.flush();
      await iris.close();
      await faces.close();
      await firmware.images.close();
      await faceService?.close();
      await store.close();
    },
  };
}

export interface Platform {
  readonly config: Config;
  readonly data: PlatformData;
  readonly blobs: BlobStore;
  readonly gateway: Gateway;
  readonly presence: Presence;
  readonly attendance: AttendanceWriter;
  /** Live events: where the domain announces (live) and what the event stream reads (eventHub). */
  readonly live: LiveEvents;
  readonly eventHub: EventHub;
  /** Clock-in photo retention and erasure (the job runs hourly; tests call expire()). */
  readonly attendancePhotos: AttendancePhotos;
  /** The daily statistics projector; undefined when attendanceStats is off (tests call catchUp()). */
  readonly stats: StatsProjector | undefined;
  readonly tokens: TokenStore;
  /** Every /api/v1 route and the roles it admits. */
  readonly apiRoutes: ApiRouteInfo[];
  /** Set when this start created the `admin` account with a generated password (shown once). */
  readonly adminPassword: string | undefined;
  /** Whether the web console's built files are served at / (http/console.ts). */
  readonly consoleServed: boolean;
  /** Ports actually bound (useful with port 0 in tests). */
  readonly tcpPort: number;
  readonly httpPort: number;
  stop(): Promise<void>;
}

/** Seams for tests: a clock to move, a token store to break. */
export interface PlatformOptions {
  now?: () => number;
  tokens?: TokenStore;
  /** The caller holds the data directory's lock: serve --workers, whose primary took it. */
  dataDirLocked?: boolean;
  /**
   * A worker of serve --workers with no Redis: tokens, presence and the bus are its
   * primary's, over the cluster's IPC (cluster/ipc-client.ts). Ignored when Redis is set.
   */
  ipc?: IpcClient;
  /** The face detector to use instead of opening one (DataOptions.faces). */
  faces?: FaceService;
}

export async function startPlatform(
  config: Config,
  logger: Logger,
  opts: PlatformOptions = {},
): Promise<Platform> {
  // The lock comes before anything in the data directory is opened: a second serve on it
  // stops here, without touching the store or the photo log.
  const releaseLock = opts.dataDirLocked ? async () => {} : await lockDataDir(config.dataDir);
  // What the boot has opened so far; a boot that fails closes it, last opened first.
  const opened: (() => unknown)[] = [releaseLock];
  try {
    return await boot(config, logger, opts, releaseLock, opened);
  } catch (err) {
    for (const close of opened.reverse()) {
      try {
        await close();
      } catch (closeErr) {
        logger.warn({ err: closeErr }, 'closing after a failed start');
      }
    }
    throw err;
  }
}

async function boot(
  config: Config,
  logger: Logger,
  opts: PlatformOptions,
  releaseLock: () => Promise<void>,
  opened: (() => unknown)[],
): Promise<Platform> {
  const now = opts.now ?? Date.now;
  const data = await openData(config, logger, now, opts.faces ? { faces: opts.faces } : {});
  opened.push(() => data.close());
  // Once-only jobs (issue 16): on PostgreSQL one process of the cluster runs them.
  const leadership = config.databaseUrl
    ? await PgLeader.start({
        databaseUrl: config.databaseUrl,
        onChange: (leading) =>
          logger.info({ leading }, leading ? 'leading the cluster’s once-only jobs' : 'no longer leading'),
        onError: (err) => logger.warn({ err }, 'cluster leadership: database connection failed'),
      })
    : SOLE_LEADER;
  opened.push(() => leadership.close());
  data.leader.use(leadership);
  await data.engine.load();
  // Clock-in photos: in the database when it is PostgreSQL (shared by the cluster, written
  // in one transaction per batch), else an append-only segment log in the data directory,
  // one fsync per group-committed batch (blobs/segments.ts).
  const sharedBlobs = blobBackend(config) === 'database';
  const blobs = sharedBlobs
    ? await openPgBlobStore(config.databaseUrl!, 'photos', {
        onError: (err) => logger.warn({ err }, 'clock-in photo store: database connection lost'),
      })
    : await openSegmentBlobStore(join(config.dataDir, 'photos'), {
        logger: logger.child({ part: 'photos' }),
      });
  opened.push(() => blobs.close());
  // Clock-in photos leave by retention and by erasure of their person (domain/attendance-photos.ts).
  const clockInPhotos = new AttendancePhotos(
    data.store,
    blobs,
    { retentionDays: config.attendancePhotoRetentionDays },
    now,
  );
  // Shared state (issue 16): with Redis, tokens outlive a restart and hold on every
  // process, and every process's live events reach every process's streams. Workers of
  // serve --workers without Redis share the same through their primary (IPC).
  const redis = config.redisUrl
    ? connectRedis(
        { url: config.redisUrl, commandTimeoutMs: config.redisTimeoutMs },
        logger.child({ part: 'redis' }),
      )
    : undefined;
  opened.push(() => redis?.disconnect());
  const ipc = redis ? undefined : opts.ipc;
  const bus: Bus | undefined = redis ? new RedisBus(redis) : ipc ? new IpcBus(ipc) : undefined;
  opened.push(() => bus?.close());
  /** Tokens, presence and the bus are the cluster's, not this process's alone. */
  const clustered = bus !== undefined;
  // Live events (GET /api/v1/events): the domain announces, the API streams.
  const eventHub = new EventHub({
    replayMs: config.eventsReplayMs,
    replayMax: config.eventsReplayMax,
    now,
  });
  const liveBus = bus
    ? new LiveBus(eventHub, bus, {
        prefix: config.redisPrefix,
        keepMs: config.eventsReplayMs,
        now,
        onError: (err) => logger.warn({ err }, 'live event not shared with the other processes'),
      })
    : undefined;
  opened.push(() => liveBus?.close());
  const live = new LiveEvents(liveBus ?? eventHub, data.devices, {
    coalesceMs: 500,
    onError: (err) => logger.warn({ err }, 'live event dropped: device not readable'),
  });
  opened.push(() => live.close());
  data.engine.setLive(live);
  // In a cluster, presence is the cluster's: a device may move between nodes, and the
  // leader alone takes devices offline (domain/presence.ts).
  const presence = new Presence(
    data.store,
    data.events,
    config.offlineAfterMs,
    undefined,
    clustered
      ? {
          registry: redis
            ? new RedisPresenceRegistry(redis, config.redisPrefix)
            : new IpcPresenceRegistry(opts.ipc as IpcClient),
          publishLagMs: config.presenceSweepMs + 1_000,
          // A reconnect storm while Redis is down fails every arrival: one line every 10 s.
          onError: throttled(10_000, (err, failures) =>
            logger.warn({ err, failures }, 'presence: the shared registry did not answer'),
          ),
        }
      : undefined,
  );
  presence.setLive(live);
  await presence.load();
  // With Redis, the tokens this node served stay usable while Redis is down (domain/tokens-fallback.ts).
  const tolerant = redis
    ? new OutageTolerantTokens(
        new RedisTokenStore(redis, config.redisPrefix, config.tokenIdleMs),
        config.tokenIdleMs,
      )
    : undefined;
  const tokens: TokenStore =
    opts.tokens ?? tolerant ?? (ipc ? new IpcTokenStore(ipc) : new MemoryTokenStore(config.tokenIdleMs));
  // Daily statistics (docs/attendance-statistics.md): woken after each ingest commit, off the ack path.
  const stats = config.attendanceStats
    ? new StatsProjector(data.store, now, {
        budget: data.background,
        onError: (err) => logger.error({ err }, 'statistics step failed; the next wake retries'),
      })
    : undefined;
  opened.push(() => stats?.close());
  if (leadership.leading) stats?.wake(); // what earlier runs wrote and did not project yet
  // Prometheus metrics (GET /metrics): gauges read these at each scrape, after the boot.
  const metrics = new PlatformMetrics(config.nodeId, {
    connections: () => gateway.connectionCount,
    connectionsRefused: () => gateway.refusedCount,
    inFlightBytes: () => gateway.inFlightBytes,
    inFlightRequests: () => gateway.inFlightRequests,
    devicesOnline: () => presence.onlineCount(),
    ingestQueued: () => attendance.queued,
    liveSubscribers: () => eventHub.listenerCount,
    leading: () => leadership.leading,
    openTasks: () => data.store.tasks.openCounts(),
  });
  const attendance = new AttendanceWriter(data.store, blobs, {
    onBatch: (b) => metrics.ingestBatch(b),
    batchMax: config.ingestBatchMax,
    batchWaitMs: config.ingestBatchWaitMs,
    inFlight: data.store.dialect === 'postgres' ? 2 : 1,
    // New rows wake the webhook follower too (off the ack path: it only schedules a run).
    live: wakingSink(live, () => {
      data.ingest.add(); // ingest is at work: the followers' budget applies, an import slows down
      data.webhooks.wake();
      if (leadership.leading) stats?.wake(); // the leader's alone; others' rows at its sweep
    }),
  });
  opened.push(() => attendance.close());
  // Both device transports check requests with the same core over the same credentials.
  const credentials = {
    vendors: data.vendors,
    devices: data.devices,
    tokens,
    phones: data.mobile.phones,
    presence,
    timestampWindowMs: config.timestampWindowMs,
    now,
  };
  const gatewayLogger = logger.child({ part: 'gateway' });
  const ctx: GatewayContext = {
    config,
    core: requestCore({
      ...credentials,
      logger: gatewayLogger,
      answered: (apicode, code) => metrics.answered('tcp', apicode, code),
    }),
    ports: {
      devices: data.devices,
      tokens,
      presence,
      attendance,
      tasks: data.engine,
      rosters: new SiteRosters(data.store, now),
      // Clock-in rules (issue 12, domain/attendance-rules/); type-16 codes are verified by
      // the person-code service (domain/qr/service.ts).
      attendanceRules: config.attendanceRules,
      qr: data.qr,
      fences: new SiteFences(data.store, now),
      faceVerifier: data.faceVerifier,
      phoneOwners: data.mobile.phones,
      maxPhotoBytes: config.maxPhotoBytes,
      logger: gatewayLogger,
    },
    logger: gatewayLogger,
    now,
  };
  const gateway = new Gateway(ctx);
  opened.push(() => gateway.close());
  // D3: new task ids go to a connected device at once, shaped as a heartbeat answer (sealed per D12).
  data.engine.setPusher(
    taskPusher({
      gateway,
      vendors: data.vendors,
      devices: data.devices,
      protocolVersion: config.protocolVersion,
    }),
  );
  // In a cluster, a task queued here for a device connected elsewhere is pushed by that node at once.
  // Not awaited: a Redis that is down at boot must not hold the start (the poll covers it).
  const pushRoute = bus
    ? new PushRoute(bus, config.redisPrefix, (err) =>
        logger.warn({ err }, 'task push not routed to the other processes'),
      )
    : undefined;
  if (pushRoute) {
    pushRoute
      .start((ids) => data.engine.queuedElsewhere(ids))
      .catch((err: unknown) => logger.warn({ err }, 'task push route not subscribed'));
    data.engine.setRoute(pushRoute);
  }
  const facePhotos = cachedPhotos(data.faces, config.photoCacheBytes);
  // An erased person's photos must not be served from memory either (PIPL erasure).
  data.persons.onErased((keys) => {
    for (const key of keys) facePhotos.forget(key);
  });
  data.iris.onDeleted((keys) => {
    for (const key of keys) facePhotos.forget(key);
  });
  // A page's photos are read into memory as the page is served, before its devices ask for them.
  const taskApi = new TaskService(data.store, data.urls, data.reconciler, live, facePhotos.warm);
  const http = buildHttpServer(logger, {
    ready: () => data.store.ping(),
    status: async () => ({
      connections: gateway.connectionCount,
      refused: gateway.refusedCount,
      devicesOnline: presence.onlineCount(),
      tokens: await tokens.size(),
      attendanceQueued: attendance.queued,
    }),
    metrics: () => metrics.scrape(),
  });
  opened.push(() => http.close());

  const deviceLogger = logger.child({ part: 'device-http' });
  await http.register(deviceEndpoint, {
    config,
    core: requestCore({
      ...credentials,
      logger: deviceLogger,
      answered: (apicode, code) => metrics.answered('http', apicode, code),
    }),
    tasks: taskApi,
    capture: new CaptureEnrolment({
      device: (id) => data.store.deviceApi.get(id),
      persons: data.persons,
      checkOnly: checkOnlyOf(data.persons),
      iris: irisIntake(data.iris),
    }),
    logger: deviceLogger,
  });
  // Issue 14: TCP frames in an HTTP body, for phones (browsers open no TCP socket). The
  // frames go through the gateway's own processor over the very context above: same
  // core, credentials, handlers, ports and ingest group commit (docs/protocol.md 12).
  await http.register(mobileBridge, {
    frames: new FrameRequests(ctx),
    verdicts: data.store.mobile,
    limits: {
      maxFrameBytes: ctx.config.maxFrameBytes,
      maxInFlight: ctx.config.maxInFlightPerConnection,
      maxBodyBytes: config.maxHttpBodyBytes,
    },
    logger: gatewayLogger.child({ carrier: 'mobile-bridge' }),
  });
  // Issue 14: the phone page's own calls (clock offset, registration), beside the bridge.
  await http.register(mobileApi, {
    registration: data.mobile.registration,
    audit: data.audit,
    logger: logger.child({ part: 'mobile-api' }),
    now,
  });
  await http.register(registerDownloadRoutes, {
    verifier: data.urls,
    now,
    sources: {
      photo: facePhotos,
      // Read rarely (a manager opening a record), so not cached; erased ones are gone at once.
      clockInPhoto: cachedPhotos(blobs, 0),
      async firmware(id: string) {
        const fw = await data.store.firmware.get(id);
        const image = fw && (await data.firmware.images.open(fw.id));
        return image && { image, fileName: fw.fileName };
      },
    },
  });

  // The wave's photos (signed, cached) answered on node:http ahead of Fastify; everything
  // else about /dl/photo stays with the route above (downloads/fast-photo.ts).
  addFrontRoute(http.server, fastPhotoRoute({ verifier: data.urls, peek: facePhotos.peek, now }));

  let api: ApiHandle = { routeTable: [] };
  const apiDeps: ApiDeps = {
    config,
    data,
    accounts: data.accounts,
    audit: data.audit,
    attendancePhotos: blobs,
    attendanceErasure: clockInPhotos,
    eventHub,
    presence,
    live: {
      isConnected: (deviceId) => gateway.isConnected(deviceId),
      isOnline: (deviceId) => presence.isOnline(deviceId),
      lastSeenAt: (deviceId) => presence.lastSeenAt(deviceId),
    },
    logger: logger.child({ part: 'api' }),
    now,
  };
  // Its own encapsulated scope (typed as Fastify's default instance): the API's error
  // handler, hooks and swagger document stay out of the device endpoint's way.
  await http.register(async (scope) => {
    api = await registerApi(scope, apiDeps);
  });
  // After the API: its /api routes and not-found answers stay the API's own.
  let consoleSite: { dir: string | undefined } = { dir: undefined };
  await http.register(async (scope) => {
    consoleSite = await registerConsole(scope, config.consoleDir, logger);
  });
  // The phone clock-in page at /m/, its own prefix: its not-found answers are its own.
  let mobileSite: { dir: string | undefined } = { dir: undefined };
  await http.register(
    async (scope) => {
      mobileSite = await registerMobile(scope, config.mobileDir, logger);
    },
    { prefix: MOBILE_PREFIX },
  );
  const admin = await data.accounts.ensureAdmin(config.adminPassword);
  if (admin.created)
    await data.audit.record({
      action: 'account.create',
      resource: 'account',
      detail: { username: 'admin', role: 'admin' },
    });

  const jobs: NodeJS.Timeout[] = [];
  const every = (ms: number, name: string, job: () => unknown) => {
    let busy = false;
    const t = setInterval(async () => {
      if (busy) return; // a slow run is never overlapped by the next
      busy = true;
      try {
        await job();
      } catch (err) {
        logger.error({ err, job: name }, 'periodic job failed');
      } finally {
        busy = false;
      }
    }, ms);
    t.unref();
    jobs.push(t);
  };

  const tcpPort = await gateway.listen(config.tcpPort, config.host);
  await http.listen({ port: config.httpPort, host: config.host });
  const addr = http.server.address();
  const httpPort = typeof addr === 'object' && addr ? addr.port : config.httpPort;

  every(config.presenceSweepMs, 'presence', async () => {
    presence.sweep(now());
    await presence.flush();
  });
  every(config.vendorsRefreshMs, 'vendors', () => data.vendors.refresh());
  every(config.devicesRefreshMs, 'devices', () => data.devices.refresh());
  // Jobs on the cluster's shared state: the leader's alone (cluster/leader.ts).
  const once = (ms: number, name: string, job: () => unknown) =>
    every(ms, name, () => (leadership.leading ? job() : undefined));
  once(config.taskExpirySweepMs, 'task expiry', () => data.engine.expireDue());
  // Attendance months on PostgreSQL: this one and three ahead exist before their records come.
  const partitionsAhead = async () => {
    const made = await data.store.partitions.ensureAhead(now(), PARTITION_MONTHS_AHEAD);
    if (made.length > 0) logger.info({ partitions: made }, 'attendance partitions made');
  };
  once(60 * 60_000, 'attendance partitions', partitionsAhead);
  if (leadership.leading)
    await partitionsAhead().catch((err: unknown) => logger.warn({ err }, 'attendance partitions'));
  if (data.store.dialect === 'postgres' && !(await data.store.partitions.partitioned()))
    logger.warn(
      'attendance is a plain table (a database from before partitioning): stop every process and run kaoqin attendance partition',
    );
  if (clustered) once(config.presenceSweepMs, 'presence expiry', () => presence.expireSilent(now()));
  // Tokens in Redis (or a primary's) are the cluster's: one process sweeps them.
  (clustered ? once : every)(config.tokenSweepMs, 'tokens', () => tokens.sweep(now()));
  if (tolerant && tokens === tolerant)
    every(config.tokenSweepMs, 'remembered tokens', () => tolerant.sweepLocal(now()));
  every(config.taskQueuePollMs, 'queued tasks', () => data.engine.pollQueued());
  // Assignments whose leave date has come: their persons leave the site's devices.
  once(config.assignmentEndSweepMs, 'assignment ends', () => data.persons.assignments.endDue());
  // Photos in the database are the cluster's: the leader removes them. Files in a data
  // directory are each process's own to remove.
  (sharedBlobs ? once : every)(config.photoRetentionSweepMs, 'clock-in photo retention', async () => {
    const run = await clockInPhotos.expire();
    if (run.records === 0) return;
    logger.info(run, 'clock-in photos past their retention removed');
    await data.audit.record({
      action: 'attendance.photos.expire',
      resource: 'attendance',
      detail: { ...run },
    });
  });
  // Webhooks: clock-ins not yet followed (e.g. after a restart) and retries that came due.
  every(config.webhookPollMs, 'webhooks', () => data.webhooks.tick()); // leads or not: webhooks/service.ts
  if (stats) once(config.attendanceStatsSweepMs, 'attendance statistics', () => stats.wake());
  // Daily summaries (attendance.daily_summary webhooks): checked on the same sweep; a
  // closed day goes out once, and nothing is computed while no webhook wants them.
  if (stats) {
    const summaries = new DailySummaries(data.store, data.webhooks, {
      delayMs: config.dailySummaryDelayMs,
      catchUp: () => stats.catchUp(true), // paced: its first tick may find a long backlog under load
    });
    once(config.attendanceStatsSweepMs, 'daily summaries', () => summaries.tick(now()));
  }
  once(config.sessionPurgeMs, 'api sessions', async () => {
    await data.store.sessions.purge(now());
    await data.store.idempotency.purge(now() - IDEMPOTENCY_TTL_MS);
  });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      for (const t of jobs) clearInterval(t);
      // Event streams end first, in the API's preClose hook (api/routes/events.ts): an
      // open stream would keep http.close() waiting forever.
      await http.close();
      live.close();
      liveBus?.close();
      bus?.close();
      await gateway.close();
      await attendance.close();
      await stats?.close();
      presence.sweep(now());
      await presence.flush().catch((err: unknown) => logger.warn({ err }, 'presence not flushed at stop'));
      await blobs.close();
      await leadership.close();
      await data.close();
      redis?.disconnect(); // nothing is pending by now, and a Redis that is down must not hold the stop
      await releaseLock();
    })();
    return stopping;
  };

  logger.info(
    {
      tcpPort,
      httpPort,
      dataDir: config.dataDir,
      db: data.store.dialect,
      api: API_PREFIX,
      apiDocs: '/api/docs',
      console: consoleSite.dir ? '/' : null,
      mobile: mobileSite.dir ? `${MOBILE_PREFIX}/` : null,
    },
    'kaoqin platform up',
  );
  // The face model is not loaded here but at the first photo that needs one (enrolment,
  // import, mobile selfie), and unloaded after faceIdleMs without one: a node that only
  // serves devices never holds its ~90 MB, nor the 20–50 MB a load leaves with the
  // process after unloading (docs/operations.md, "Face workers and memory").
  return {
    config,
    data,
    blobs,
    gateway,
    presence,
    attendance,
    live,
    eventHub,
    attendancePhotos: clockInPhotos,
    stats,
    tokens,
    apiRoutes: api.routeTable,
    adminPassword: admin.created && config.adminPassword === undefined ? admin.password : undefined,
    consoleServed: consoleSite.dir !== undefined,
    tcpPort,
    httpPort,
    stop,
  };
}
