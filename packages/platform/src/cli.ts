#!/usr/bin/env node
/**
 * The `kaoqin` command. Exit codes: 0 ok, 2 bad usage, 1 failure, always with a
 * one-line reason on stderr.
 */
import { UsageError } from './cli/args.js';
import { asksForHelp, commandHelp } from './cli/help.js';
import { ExitCode } from './cli/sim.js';

const USAGE = `usage: kaoqin <command>
  serve                         run the platform (TCP gateway + HTTP)
  vendor create --name NAME     new vendor credentials (accessId, accessKey, accessSecret)
  vendor list | rotate ID | revoke ID
  device list | register --vendor ID --sn SN | disable SN | enable SN
  device distribution --sn SN   persons expected on the device against what it reported
  device reconcile --sn SN [--exclude-fields img,phone] | repair --sn SN
  attendance list [--sn SN] [--since ISO] [--limit N]
  attendance partitions | partition   months of a PostgreSQL store; convert a plain table (offline)
  account create --username U --role R [--site ID…] [--vendor V] [--password P]
  account list | reset-password USERNAME [--password P] | disable USERNAME | enable USERNAME
  site create --name NAME | list | bind-device --site ID --sn SN | resync --sn SN
  person add --site ID --name N --id-number X --photo FILE [--photo FILE…] [--phone P]
         [--gender G] [--ethnicity E] [--address A] [--valid-from D] [--valid-to D]
         [--issuing-authority A]
  person remove ID | list --site ID | show ID
  task list --sn SN [--limit N]
  firmware add FILE --version V | list | rollout --version V --sn SN [--sn SN…]
  sim <scenario> …                simulated devices (kaoqin-sim: morning-peak, outage, enrol-burst, soak)
  conformance platform --tcp HOST:PORT --access-id … --access-key … --access-secret …
                                check a platform against the standard, clause by clause
every command takes --json, --data-dir DIR (default ./data) or --database-url postgres://…
`;

type Command = (argv: string[]) => Promise<void>;

/**
 * Commands with options of their own, not the config's settings, answer --help
 * themselves: kaoqin-sim (scenarios and their options) and conformance (its modes).
 */
const OWN_HELP = new Set(['sim', 'conformance']);

/**
 * Each command's module is loaded when it runs: a command loads what it uses, and the
 * primary of `serve --workers` (which runs no platform) stays small.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./cli/serve.js')).serveCommand,
  sim: async () => (await import('./cli/sim.js')).simCommand,
  vendor: async () => (await import('./cli/vendor.js')).vendorCommand,
  device: async () => (await import('./cli/device.js')).deviceCommand,
  attendance: async () => (await import('./cli/attendance.js')).attendanceCommand,
  account: async () => (await import('./cli/account.js')).accountCommand,
  site: async () => (await import('./cli/site.js')).siteCommand,
  person: async () => (await import('./cli/person.js')).personCommand,
  task: async () => (await import('./cli/task.js')).taskCommand,
  firmware: async () => (await import('./cli/firmware.js')).firmwareCommand,
  conformance: async () => (await import('./cli/conformance.js')).conformanceCommand,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!load) {
    process.stderr.write(`kaoqin: unknown command ${command}\n${USAGE}`);
    return 2;
  }
  if (!OWN_HELP.has(command) && asksForHelp(rest)) {
    process.stdout.write(commandHelp(command, USAGE));
    return 0;
  }
  try {
    await (await load())(rest);
    return 0;
  } catch (e) {
    if (e instanceof ExitCode) return e.code;
    const usage = e instanceof UsageError;
    process.stderr.write(`kaoqin: ${(e as Error).message}\n`);
    return usage ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
