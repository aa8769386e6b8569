/** kaoqin vendor create|list|rotate|revoke: credentials of clause 1.1. */
import { openData } from '../app.js';
import { type Parsed, parse, requireString, UsageError } from './args.js';
import { iso, printJson, printTable } from './output.js';

const USAGE = `usage: kaoqin vendor create --name NAME | list | rotate ID | revoke ID  [--json] [--data-dir DIR | --database-url URL]`;

export async function vendorCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const p: Parsed = parse(rest, { name: { type: 'string' } });
  const data = await openData(p.config);
  try {
    switch (sub) {
      case 'create': {
        const creds = await data.vendors.create(requireString(p.values, 'name'));
        if (p.json) printJson(creds);
        else {
          process.stdout.write(
            `vendor ${creds.name} (${creds.vendorId})\n` +
              `accessId     ${creds.accessId}\naccessKey    ${creds.accessKey}\naccessSecret ${creds.accessSecret}\n` +
              'The accessSecret is shown only now: give it to the vendor over a safe channel.\n',
          );
        }
        return;
      }
      case 'list': {
        const rows = (await data.vendors.list()).map((v) => ({
          vendorId: v.id,
          name: v.name,
          accessId: v.accessId,
          status: v.status,
          secretVersion: v.secretVersion,
          createdAt: iso(v.createdAt),
        }));
        if (p.json) printJson(rows);
        else printTable(rows, ['vendorId', 'name', 'accessId', 'status', 'secretVersion', 'createdAt']);
        return;
      }
      case 'rotate': {
        const ref = p.positionals[0];
        if (!ref) throw new UsageError(USAGE);
        const creds = await data.vendors.rotate(ref);
        if (p.json) printJson(creds);
        else
          process.stdout.write(
            `new accessSecret ${creds.accessSecret} (devices with the old one get 401_02)\n`,
          );
        return;
      }
      case 'revoke': {
        const ref = p.positionals[0];
        if (!ref) throw new UsageError(USAGE);
        const row = await data.vendors.revoke(ref);
        if (p.json) printJson({ vendorId: row.id, status: row.status });
        else process.stdout.write(`vendor ${row.name} revoked: its devices get 401_02\n`);
        return;
      }
      default:
        throw new UsageError(USAGE);
    }
  } finally {
    await data.close();
  }
}
