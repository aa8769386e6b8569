/**
 * The SDK's seams: what a vendor gives a DeviceClient (identity, endpoints, hooks) and
 * the contract between the client's link (TCP: C_AUTH, C_HEARTBEAT, C_SIGN_IN, pushes)
 * and its task runner (HTTP: the eight T_* apicodes).
 */

/** Who the device is: its serial and its vendor's credentials (1.1). */
export interface DeviceIdentity {
  sn: string;
  accessId: string;
  accessKey: string;
  accessSecret: string;
  /** Firmware version reported in heartbeats (2.2.2 deviceVersion). */
  deviceVersion: string;
  /** LAN address reported in heartbeats (2.2.2 deviceIp). */
  deviceIp: string;
  /** Protocol version sent in every request; default "v1.0.0". */
  protocolVersion?: string;
}

/** Where the platform is (1.4): the operator gives both. */
export interface Endpoints {
  tcpHost: string;
  tcpPort: number;
  /**
   * Local address for the TCP connection; default: the system's choice. Simulators and
   * load generators use it to spread many devices over several loopback addresses.
   */
  tcpLocalAddress?: string;
  /** Base URL of the HTTP task API; requests go to `${httpBaseUrl}/api/device`. */
  httpBaseUrl: string;
}

/** One person as the device holds them (its local store, §3(11)). */
export interface LocalPerson {
  personId: string;
  name: string;
  /** Enrolled face photos (bytes), empty when none registered. */
  faces: Uint8Array[];
  phone?: string;
  idcardNo?: string;
}

/** The vendor's recogniser. The default one only decodes and checks each photo. */
export interface FaceEngine {
  /**
   * Enrols a face for a person; resolves, or rejects with a DeviceFailureError carrying
   * a device-side code of the catalogue (D10 download failed, D12…D15 photo problems).
   */
  enrol(personId: string, photo: Uint8Array): Promise<void>;
  remove(personId: string): Promise<void>;
  clear(): Promise<void>;
}

/** Installs a verified firmware image; the vendor's hook (3.7). */
export type FirmwareInstaller = (image: {
  version: string;
  path: string;
  size: number;
  sha256: string;
}) => Promise<void>;

/** What the task runner needs from the client that owns it. */
export interface TaskRunnerHost {
  readonly identity: DeviceIdentity;
  readonly httpBaseUrl: string;
  /** The current token; authenticates (C_AUTH over TCP) first if there is none or it lapsed. */
  token(): Promise<string>;
  /** Called when an HTTP answer says the token is unknown or revoked (401_01/401_02). */
  tokenRejected(token: string): void;
  now(): number;
}

/** What the sign-in queue was doing with its storage when it failed (the queueError event). */
export type QueueOperation = 'open' | 'enqueue' | 'remove' | 'bury' | 'read';

/** Typed events a vendor can subscribe to. */
export interface DeviceEvents {
  connected: { token: string };
  offline: { reason: string };
  reconnecting: { attempt: number; delayMs: number };
  taskDone: { taskid: string; apicode: string; status: 1 | 2 | 3; ms: number };
  queueDepth: { depth: number };
  queueFull: { depth: number; capacity: number };
  acked: { recordKey: string; latencyMs: number };
  /**
   * The queue's storage failed (disk full, I/O error). `enqueue`: the clock-in was not
   * stored (clockIn() rejected with QueueStorageError); `remove`: acked records stay and
   * are sent again; `bury`: a refused record stays and is sent again after a restart;
   * `read`: sending pauses and retries; `open`: start() failed.
   */
  queueError: { operation: QueueOperation; message: string };
}
