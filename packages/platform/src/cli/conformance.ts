/**
 * kaoqin conformance platform: plays a device against any platform that claims the
 * standard and reports, clause by clause, what it observed (@kaoqin/conformance).
 * Exit code 0 when no check failed, 1 when one did, 2 on bad usage.
 */
import { parseArgs } from 'node:util';
import {
  fuzzCheck,
  httpFuzzCheck,
  PLATFORM_CHECKS,
  type PlatformTarget,
  runChecks,
  tokenLapseMs,
} from '@kaoqin/conformance';
import { UsageError } from './args.js';
import { emitReport, progress } from './conformance-output.js';
import { asksForHelp } from './help.js';

const USAGE = `usage: kaoqin conformance platform --tcp HOST:PORT --access-id ID --access-key KEY --access-secret SECRET
         [--http URL] [--operator-hook CMD|URL] [--sn SN] [--token-idle-seconds N] [--fuzz N [--fuzz-seed S]]
         [--only PREFIX…] [--report FILE.json] [--html FILE.html] [--json]
       kaoqin conformance device --listen HOST:TCP_PORT,HTTP_PORT [--device-hook CMD|URL]
         [--access-id ID --access-key KEY --access-secret SECRET] [--wait-seconds N] [--report …] [--html …] [--json]
       kaoqin conformance hook --api URL --username U --password P --photo FILE   (our platform's operator hook)`;

function hostPort(text: string): { host: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(text);
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535) throw new UsageError(`--tcp must be HOST:PORT, not ${text}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

export async function conformanceCommand(argv: string[]): Promise<void> {
  if (asksForHelp(argv)) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [mode, ...rest] = argv;
  if (mode === 'hook') return (await import('./conformance-hook.js')).conformanceHookCommand(rest);
  if (mode === 'device') return (await import('./conformance-device.js')).conformanceDeviceCommand(rest);
  if (mode !== 'platform') throw new UsageError(USAGE);
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        tcp: { type: 'string' },
        http: { type: 'string' },
        'access-id': { type: 'string' },
        'access-key': { type: 'string' },
        'access-secret': { type: 'string' },
        sn: { type: 'string' },
        'operator-hook': { type: 'string' },
        'token-idle-seconds': { type: 'string' },
        fuzz: { type: 'string' },
        'fuzz-seed': { type: 'string' },
        only: { type: 'string', multiple: true },
        report: { type: 'string' },
        html: { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n${USAGE}`);
  }
  const need = (name: string): string => {
    const v = values[name];
    if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required\n${USAGE}`);
    return v;
  };
  const { host, port } = hostPort(need('tcp'));
  let tokenIdleMs: number | undefined;
  if (values['token-idle-seconds'] !== undefined) {
    const seconds = Number(values['token-idle-seconds']);
    if (!Number.isInteger(seconds) || seconds < 1)
      throw new UsageError('--token-idle-seconds takes a whole number ≥ 1 (the standard: 1800)');
    tokenIdleMs = seconds * 1000;
  }
  const target: PlatformTarget = {
    tcpHost: host,
    tcpPort: port,
    httpUrl: typeof values.http === 'string' ? values.http : undefined,
    accessId: need('access-id'),
    accessKey: need('access-key'),
    accessSecret: need('access-secret'),
    sn: typeof values.sn === 'string' && values.sn !== '' ? values.sn : 'KQ-CONFORMANCE-1',
    version: 'v1.0.0',
    operatorHook: typeof values['operator-hook'] === 'string' ? values['operator-hook'] : undefined,
    now: Date.now,
    tokenIdleMs,
  };
  const describe = {
    tcp: `${host}:${port}`,
    sn: target.sn,
    accessId: target.accessId,
    ...(target.httpUrl ? { http: target.httpUrl } : {}),
  };
  const json = values.json === true;
  // The token check waits the idle time out twice over: its limit is its own.
  const checks = PLATFORM_CHECKS.map((c) =>
    c.id === 'token.idle-lapse' && tokenIdleMs !== undefined
      ? { ...c, timeoutMs: tokenLapseMs(tokenIdleMs) + 60_000 }
      : c,
  );
  if (values.fuzz !== undefined) {
    const inputs = Number(values.fuzz);
    const seed = values['fuzz-seed'] === undefined ? Date.now() % 2 ** 31 : Number(values['fuzz-seed']);
    if (!Number.isInteger(inputs) || inputs < 1) throw new UsageError('--fuzz takes a number of inputs ≥ 1');
    if (!Number.isInteger(seed) || seed < 0) throw new UsageError('--fuzz-seed takes a whole number ≥ 0');
    // A long pass must not be cut by the per-check limit: allow 50 ms an input beyond a minute.
    checks.push({ ...fuzzCheck(inputs, seed), timeoutMs: 60_000 + inputs * 50 });
    // With chapter 3's address, the same number of HTTP bodies (not run without it).
    checks.push({ ...httpFuzzCheck(inputs, seed), timeoutMs: 60_000 + inputs * 50 });
  }
  const report = await runChecks(checks, target, describe, {
    only: Array.isArray(values.only) ? values.only : [],
    redact: [target.accessKey, target.accessSecret],
    onResult: progress(json),
  });
  await emitReport(report, values);
}
