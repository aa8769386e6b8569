/**
 * The one config schema: every setting, its default, and the KAOQIN_* variable and
 * --flag that set it (config/load.ts). Validated at boot, then frozen.
 */
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65_535);
const ms = z.coerce.number().int().min(1);

// The in-flight budget's defaults (gateway/inflight-budget.ts explains both), exported for
// the gateway, whose context leaves the two settings optional for tests and embedders.
/** maxInFlightBytes: about 1,800 photo sign-ins of 70 KB. */
export const DEFAULT_MAX_IN_FLIGHT_BYTES = 128 * 1024 * 1024;
/** maxInFlightRequests: about one young-generation collection's worth at saturation. */
export const DEFAULT_MAX_IN_FLIGHT_REQUESTS = 512;

export const configSchema = z.object({
  /** Everything the embedded default keeps: SQLite database, photos, master key. */
  dataDir: z.string().min(1).default('./data'),
  /**
   * The web console's built files (packages/console/dist), served at / on the HTTP port;
   * default: the installed @kaoqin/console's dist; 'off': no console (an API-only node).
   */
  consoleDir: z.string().min(1).optional(),
  /**
   * The phone clock-in page's built files (packages/mobile/dist), served at /m/;
   * default: the installed @kaoqin/mobile's dist; 'off': no phone page.
   */
  mobileDir: z.string().min(1).optional(),
  /** postgres://… to use PostgreSQL instead of SQLite in dataDir. */
  databaseUrl: z.string().optional(),
  /**
   * Where photos (enrolment and clock-in) are kept: 'local', files in dataDir (one
   * process's own); 'database', the PostgreSQL database, shared by every process of a
   * cluster. Default: 'database' with a postgres:// databaseUrl, else 'local'.
   */
  blobStore: z.enum(['local', 'database']).optional(),
  /**
   * redis://… for state shared by every process of a cluster (device tokens, live events);
   * without it that state lives in this process (docs/operations.md, "Redis").
   */
  redisUrl: z.string().optional(),
  /** Prefix of every Redis key of this platform, so one Redis can serve several. */
  redisPrefix: z.string().min(1).default('kaoqin:'),
  /**
   * A Redis command not answered this soon fails (the device request gets 500_01 and is
   * retried by the device); a restart of Redis shorter than this only delays requests.
   */
  redisTimeoutMs: ms.default(2_000),
  /** Master key for secrets at rest, base64 (32 bytes); default: dataDir/master.key, created on first start. */
  masterKey: z.string().optional(),
  /**
   * This process's number in every id it mints (ids.ts): processes sharing one database
   * need different numbers, or their ids can collide.
   */
  nodeId: z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number from 0 to 99' })
    .min(0, { error: 'must be a whole number from 0 to 99' })
    .max(99, { error: 'must be a whole number from 0 to 99' })
    .default(0),
  /**
   * serve: processes sharing the TCP and HTTP ports (Node's cluster module), taking node
   * numbers nodeId, nodeId + 1, …; 'auto': one per core when PostgreSQL, Redis and photos
   * in the database let processes share everything, else 1. More than 1 needs those three
   * (cli/workers.ts). Default 1: a machine's extra node numbers must be chosen apart from
   * the other machines' (ids carry them), so several processes are asked for, not assumed.
   */
  workers: z
    .union([z.literal('auto'), z.coerce.number().int().min(1).max(64)], {
      error: "must be 'auto' or a whole number from 1 to 64",
    })
    .default(1),
  host: z.string().default('0.0.0.0'),
  tcpPort: port.default(9100),
  httpPort: port.default(8080),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The platform's protocol version string in answers. */
  protocolVersion: z.string().default('v1.0.0'),
  /** D1: largest frame accepted. */
  maxFrameBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .default(2 * 1024 * 1024),
  /** Connections held at most; beyond it a device is refused with 490_03 (keep below the file limit). */
  maxConnections: z.coerce.number().int().min(1).optional(),
  /** A connection must send a valid frame this soon after opening. */
  firstFrameTimeoutMs: ms.default(10_000),
  /** A connection silent this long is closed. */
  idleTimeoutMs: ms.default(90_000),
  /** Requests a connection may have in flight before we stop reading from it. */
  maxInFlightPerConnection: z.coerce.number().int().min(1).default(64),
  /**
   * Request bytes (frames read and not yet answered) held across every connection before
   * the gateway stops reading them all, till answers free some (gateway/inflight-budget.ts).
   */
  maxInFlightBytes: z.coerce
    .number()
    .int()
    .min(1024 * 1024)
    .default(DEFAULT_MAX_IN_FLIGHT_BYTES),
  /**
   * Requests read and not yet answered across every connection before the gateway stops
   * reading them all, till answers free some: each is a parsed request on the heap while
   * it waits for the group commit, so few enough that most die young (gateway/inflight-budget.ts).
   */
  maxInFlightRequests: z.coerce.number().int().min(1).default(DEFAULT_MAX_IN_FLIGHT_REQUESTS),
  /**
   * How far V8 lets the heap grow past what the last full collection kept, in percent
   * (serve only; gc-tuning.ts). 0 leaves it to V8, which lets it grow up to 4× under a
   * burst: 19,000 devices at saturation then peak near 0.9 GB of mostly garbage.
   */
  heapGrowthPercent: z.coerce.number().int().min(0).max(300).default(50),
  /** Bytes queued for a slow reader before its connection is closed. */
  maxWriteBufferBytes: z.coerce
    .number()
    .int()
    .min(65_536)
    .default(4 * 1024 * 1024),
  /** D6: tolerance between timeStamp and the platform clock (400_05). */
  timestampWindowMs: ms.default(300_000),
  /** D7: a token lapses after this long without a request. */
  tokenIdleMs: ms.default(30 * 60_000),
  /** D10: a device is offline this long after its last request. */
  offlineAfterMs: ms.default(60_000),
  /** How often presence is swept and flushed to the store. */
  presenceSweepMs: ms.default(5_000),
  /** Group commit: most records in one transaction, and longest wait to fill a batch. */
  ingestBatchMax: z.coerce.number().int().min(1).default(1000),
  ingestBatchWaitMs: z.coerce.number().int().min(0).default(2),
  /** §1.2: a face photo must be under 400 KB. */
  maxPhotoBytes: z.coerce
    .number()
    .int()
    .min(1)
    .default(400 * 1024),
  /**
   * Face detector of the enrolment check (§1.2(1), §1.1(4)): 'human' (@kaoqin/faces) or
   * 'off' (only format and size: suites and benchmarks that enrol synthetic pictures).
   */
  faceDetector: z.enum(['human', 'off']).default('human'),
  /** Worker threads of the face pool (each holds the model, about 1 photo per 110 ms). */
  faceWorkers: z.coerce.number().int().min(1).max(64).default(1),
  /** Photos waiting for a face worker at most; beyond it a check is refused as busy. */
  faceQueueMax: z.coerce.number().int().min(1).default(256),
  /**
   * The face workers end, freeing the model (~90 MB of an idle server), after this long
   * with no face work; the next photo starts them again (1–2 s to load). 0: never unloaded.
   */
  faceIdleMs: z.coerce
    .number()
    .int()
    .min(0)
    .default(10 * 60_000),
  /** Least face-vs-ID-card similarity that is a match; default: @kaoqin/faces' FACE_MATCH_THRESHOLD. */
  faceMatchThreshold: z.coerce.number().min(0).max(1).optional(),
  /**
   * A face-vs-card mismatch: 'flag' (enrol, mark for review) or 'refuse' (人证合一 enforced).
   * 'flag' by default: on the only sample set measured, the matcher falsely rejects a third
   * of genuine pairs at its threshold (docs/enrolment.md), too many to refuse outright.
   */
  faceMatchPolicy: z.enum(['refuse', 'flag']).default('flag'),
  /** Largest HTTP device request body (490_05): a T_POST_DEVICE_PERSON page with photos. */
  maxHttpBodyBytes: z.coerce
    .number()
    .int()
    .min(65_536)
    .default(8 * 1024 * 1024),
  /** Base URL devices reach the HTTP server on, for imgUrls and downloadUrl; default: the request's Host. */
  publicUrl: z.url().optional(),
  /** Memory for face photos being served to devices (an enrolment wave fetches each once per device). */
  photoCacheBytes: z.coerce
    .number()
    .int()
    .min(0)
    .default(256 * 1024 * 1024),
  /** How long a signed photo or firmware URL stays valid. */
  downloadUrlTtlMs: ms.default(6 * 60 * 60_000),
  /** D11: a task fetched but not reported this long is offered again. */
  taskReofferAfterMs: ms.default(120_000),
  /** D11: a task not finished this long after creation expires. */
  taskExpireAfterMs: ms.default(7 * 24 * 60 * 60_000),
  /** §3(11): faces a device holds unless registered with another capacity. */
  deviceFaceCapacity: z.coerce.number().int().min(1).default(10_000),
  /** Turn differences found by T_POST_DEVICE_PERSON into corrective tasks without an operator. */
  autoRepair: z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')])
    .default(false),
  /** First start: the password of the `admin` account; generated and printed once when unset. */
  adminPassword: z.string().min(8).optional(),
  /** How long a management API login lasts. */
  sessionTtlMs: ms.default(12 * 60 * 60_000),
  /** scrypt cost of account passwords as log2(N) (api/auth/passwords.ts): 11 ≈ 4 ms a hash. */
  passwordHashCost: z.coerce.number().int().min(10).max(20).default(11),
  /** Live events (GET /api/v1/events) kept for Last-Event-ID replay: at least this long… */
  eventsReplayMs: ms.default(10 * 60_000),
  /** …unless there are more than this many (about 400 bytes each). */
  eventsReplayMax: z.coerce.number().int().min(100).default(1_000_000),
  /** A comment line on every event stream this often, so proxies keep it open. */
  eventsHeartbeatMs: ms.default(15_000),
  /**
   * Daily attendance statistics (docs/attendance-statistics.md): the projector that keeps
   * the day rows behind the site-day, person-day and monthly-sheet reads. Off: nothing is
   * projected (the reads show what was projected before); on again, it catches up from its mark.
   */
  attendanceStats: z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')])
    .default(true),
  /** How often the statistics projector looks for records an ingest wake did not announce (another process's). */
  attendanceStatsSweepMs: ms.default(5_000),
  /**
   * Share of a busy event loop the background followers (statistics projector, webhook
   * follower and sender) take together; they wait between steps so ingest keeps the rest
   * (docs/attendance-statistics.md "Background share"). 1 = never wait.
   */
  backgroundShare: z.coerce.number().gt(0).max(1).default(0.1),
  /**
   * How long after a China-time day ends its attendance.daily_summary webhooks go out
   * (clock-ins uploaded just after midnight still count); needs attendanceStats.
   */
  dailySummaryDelayMs: ms.default(60 * 60_000),
  /** Days a clock-in photo is kept after it was received, then removed by an hourly job (PIPL); 0 = for ever. */
  attendancePhotoRetentionDays: z.coerce.number().int().min(0).max(36_500).default(180),
  /**
   * Issue 12's clock-in rules (docs/attendance-rules.md): real-name, geofence, temperature,
   * the 10-second clause. false keeps only the old real-name test; for benchmark comparisons.
   */
  attendanceRules: z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')])
    .default(true),
  /** Largest firmware image POST /api/v1/firmware takes (streamed to disk, never held in memory). */
  maxFirmwareBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .default(256 * 1024 * 1024),
  /** Largest roster import POST /api/v1/imports takes: the roster and the ZIP of photos together (spooled to dataDir/tmp). */
  maxImportBytes: z.coerce
    .number()
    .int()
    .min(65_536)
    .default(512 * 1024 * 1024),
  /**
   * Clock-ins a second (over the last second) from which a running roster import slows
   * down to importRowsUnderLoad, so device traffic keeps its latency (docs/enrolment.md
   * "Import and gateway"); 0 = an import never slows down.
   */
  importYieldAbove: z.coerce.number().min(0).default(20),
  /**
   * Rows a second a roster import starts while devices clock in above importYieldAbove:
   * one every 10 s by default, the most that left the gateway's ack p99 within its noise
   * on two cores (0.5 a second already took it up by 70 %: docs/enrolment.md).
   */
  importRowsUnderLoad: z.coerce.number().gt(0).max(10_000).default(0.1),
  /** How long POST /api/v1/imports waits for the import to finish before answering 202 (poll GET /imports/{id}). */
  importWaitMs: z.coerce.number().int().min(0).default(20_000),
  /** Outbound webhooks (docs/webhooks.md): false stops turning clock-ins into deliveries (the sign-in benchmark's "off"). */
  webhooks: z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')])
    .default(true),
  /** Webhook URLs may name private, loopback and link-local addresses (a platform on a site's LAN posts to its neighbours). */
  webhookAllowPrivate: z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')])
    .default(true),
  /** One webhook POST is abandoned (and retried later) after this long. */
  webhookTimeoutMs: ms.default(10_000),
  /** A failed delivery is retried after about this long, doubling each time (with jitter)… */
  webhookRetryBaseMs: ms.default(10_000),
  /** …but never waits longer than this between two attempts. */
  webhookRetryMaxMs: ms.default(6 * 60 * 60_000),
  /** Attempts of one delivery before it is marked failed (redeliver starts it again). */
  webhookMaxAttempts: z.coerce.number().int().min(1).max(100).default(12),
  /** Delivered and failed webhook deliveries are forgotten this many days after they were made (0 = kept); pending ones stay. */
  webhookDeliveryRetentionDays: z.coerce.number().int().min(0).max(36_500).default(30),

  // How often each periodic job runs (app.ts); tests shorten them.
  /** Gateway connections checked against firstFrameTimeoutMs and idleTimeoutMs. */
  connectionSweepMs: ms.default(1_000),
  /** Vendors and their credentials re-read from the store (changes made by the CLI or another process). */
  vendorsRefreshMs: ms.default(5_000),
  /** Devices re-read from the store (registrations and site bindings made elsewhere). */
  devicesRefreshMs: ms.default(5_000),
  /** Lapsed tokens (tokenIdleMs) dropped. */
  tokenSweepMs: ms.default(60_000),
  /** Tasks past taskExpireAfterMs expired. */
  taskExpirySweepMs: ms.default(30_000),
  /** Tasks queued by another process (the CLI, another platform node) pushed to devices connected here. */
  taskQueuePollMs: ms.default(250),
  /** Site assignments whose leave date has come ended (their persons leave the site's devices). */
  assignmentEndSweepMs: ms.default(60_000),
  /** Clock-in photos past attendancePhotoRetentionDays removed. */
  photoRetentionSweepMs: ms.default(60 * 60_000),
  /** Expired management API sessions and idempotency keys purged. */
  sessionPurgeMs: ms.default(60 * 60_000),
  /** Interrupted roster imports marked failed and old import reports forgotten, at most this often. */
  importTidyMs: ms.default(60_000),
  /** Webhook deliveries due and clock-ins not yet turned into deliveries looked for (besides after each ingest batch). */
  webhookPollMs: ms.default(1_000),
});

export type Config = Readonly<z.infer<typeof configSchema>>;

/** How each setting is spelt outside: --tcp-port, KAOQIN_TCP_PORT. */
export const CONFIG_KEYS = Object.keys(configSchema.shape) as (keyof z.infer<typeof configSchema>)[];

export function envName(key: string): string {
  return `KAOQIN_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
