/** A platform under test, as `kaoqin conformance platform` is told of it. */
export interface PlatformTarget {
  tcpHost: string;
  tcpPort: number;
  /** The HTTP base URL of chapter 3 (the task interface), when given. */
  httpUrl: string | undefined;
  accessId: string;
  accessKey: string;
  accessSecret: string;
  /** The device number the kit plays; checks that need a second device append a suffix. */
  sn: string;
  /** The packet version sent in `version` (table 2.1.2). */
  version: string;
  /** A command or URL that makes the platform create work (hook.ts); checks needing it are "not run" without. */
  operatorHook?: string | undefined;
  /** The kit's clock (epoch ms), for timeStamp and recordTime. */
  now(): number;
  /**
   * The platform's token idle time (1.1: half an hour), when the operator lets the kit
   * wait it out (--token-idle-seconds); token.idle-lapse is "not run" without it.
   */
  tokenIdleMs?: number | undefined;
  /** Lets `ms` pass (default: a real wait; a test with its own clock moves it instead). */
  wait?(ms: number): Promise<void>;
}
