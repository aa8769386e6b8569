/**
 * kaoqin conformance device: the kit plays the platform for a device under test. It
 * listens, prints the credentials and addresses to configure the device with, and checks
 * what the device does, step by step (@kaoqin/conformance, device/). Exit code 0 when no
 * check failed, 1 when one did, 2 on bad usage.
 */
import { parseArgs } from 'node:util';
import { commandHook, DEVICE_CHECKS, type DeviceSession, KitPlatform, runChecks } from '@kaoqin/conformance';
import { UsageError } from './args.js';
import { emitReport, progress } from './conformance-output.js';

const USAGE = `usage: kaoqin conformance device --listen HOST:TCP_PORT,HTTP_PORT [--device-hook CMD|URL]
         [--access-id ID --access-key KEY --access-secret SECRET] [--wait-seconds N]
         [--only PREFIX…] [--report FILE.json] [--html FILE.html] [--json]`;

function listen(text: string): { host: string; tcpPort: number; httpPort: number } {
  const m = /^(.+):(\d{1,5}),(\d{1,5})$/.exec(text);
  if (!m) throw new UsageError(`--listen must be HOST:TCP_PORT,HTTP_PORT, not ${text}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), tcpPort: Number(m[2]), httpPort: Number(m[3]) };
}

export async function conformanceDeviceCommand(argv: string[]): Promise<void> {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        listen: { type: 'string' },
        'device-hook': { type: 'string' },
        'access-id': { type: 'string' },
        'access-key': { type: 'string' },
        'access-secret': { type: 'string' },
        'wait-seconds': { type: 'string' },
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
  if (typeof values.listen !== 'string') throw new UsageError(`--listen is required\n${USAGE}`);
  const at = listen(values.listen);
  const given = ['access-id', 'access-key', 'access-secret'].map((k) => values[k]);
  if (given.some((v) => typeof v === 'string') && !given.every((v) => typeof v === 'string' && v !== ''))
    throw new UsageError(
      'give all three of --access-id, --access-key, --access-secret, or none (the kit then issues them)',
    );
  const wait = values['wait-seconds'] === undefined ? 90 : Number(values['wait-seconds']);
  if (!Number.isFinite(wait) || wait < 1) throw new UsageError('--wait-seconds must be a number ≥ 1');
  const kit = await KitPlatform.start({
    ...at,
    ...(typeof given[0] === 'string'
      ? { creds: { accessId: String(given[0]), accessKey: String(given[1]), accessSecret: String(given[2]) } }
      : {}),
  });
  try {
    // What the vendor configures the device with (clause 1.1's three values, 1.4's addresses).
    process.stderr.write(
      `conformance platform listening: tcp://${at.host}:${kit.tcpPort}  ${kit.httpBase}/api/device\n` +
        `accessId ${kit.creds.accessId}\naccessKey ${kit.creds.accessKey}\naccessSecret ${kit.creds.accessSecret}\n` +
        `waiting up to ${wait} s for each step of the device…\n`,
    );
    const session: DeviceSession = {
      kit,
      hook: typeof values['device-hook'] === 'string' ? commandHook(values['device-hook']) : undefined,
      waitMs: wait * 1000,
      personIds: [],
      failedPersons: [],
      renamed: new Map(),
    };
    const json = values.json === true;
    const report = await runChecks(
      DEVICE_CHECKS,
      session,
      { listen: `${at.host}:${kit.tcpPort},${kit.httpPort}`, accessId: kit.creds.accessId },
      {
        mode: 'device',
        timeoutMs: (wait + 60) * 1000,
        only: Array.isArray(values.only) ? values.only : [],
        redact: [kit.creds.accessKey, kit.creds.accessSecret],
        onResult: progress(json),
      },
    );
    await emitReport(report, values);
  } finally {
    await kit.stop();
  }
}
