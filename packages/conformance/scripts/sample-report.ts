/**
 * Writes the sample conformance report (docs/conformance-sample-report.html and .json):
 * every platform check (TCP and HTTP) run against our own platform, started from its
 * built CLI in a temp data directory, the way an operator would run it. The sample is a
 * real run, so it shows what our platform does; nothing in it is made up, which is why it
 * shows no failure's evidence (packages/conformance/test/html.test.ts renders one).
 *
 * Regenerate (after `npx tsc -b`, which builds packages/platform/dist):
 *   node --conditions=source --import tsx packages/conformance/scripts/sample-report.ts
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  htmlReport,
  PLATFORM_CHECKS,
  type PlatformTarget,
  runChecks,
  tokenLapseMs,
} from '@kaoqin/conformance';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(root, 'packages/platform/dist/cli.js');
// Quiet logs; no face model to load, as in the platform's own tests; tokens that lapse
// after 20 s idle, so token.idle-lapse waits 46 s rather than the standard's half hour twice.
const TOKEN_IDLE_SECONDS = 20;
const env = {
  ...process.env,
  KAOQIN_LOG_LEVEL: 'warn',
  KAOQIN_FACE_DETECTOR: 'off',
  KAOQIN_TOKEN_IDLE_MS: String(TOKEN_IDLE_SECONDS * 1000),
};

interface VendorCreds {
  accessId: string;
  accessKey: string;
  accessSecret: string;
}

/** Starts `kaoqin serve` and resolves with its ports once its banner says where it listens. */
function serve(
  dataDir: string,
): Promise<{ child: ChildProcess; tcpPort: number; httpPort: number; adminPassword: string }> {
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--data-dir', dataDir, '--tcp-port', '0', '--http-port', '0', '--host', '127.0.0.1'],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let err = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill();
      reject(new Error(`${why}: ${err}`));
    };
    const timer = setTimeout(() => fail('serve did not start within 30 s'), 30_000);
    child.once('exit', (code) => fail(`serve exited with ${code}`));
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const m = /tcp:\/\/[^:]+:(\d+).*http:\/\/[^:]+:(\d+)/.exec(err);
      const admin = /username admin, password (\S+)/.exec(err);
      if (m && admin) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ child, tcpPort: Number(m[1]), httpPort: Number(m[2]), adminPassword: admin[1]! });
      }
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const dataDir = await mkdtemp(join(tmpdir(), 'kaoqin-sample-'));
let server: ChildProcess | undefined;
try {
  const created = await promisify(execFile)(
    process.execPath,
    [CLI, 'vendor', 'create', '--name', '样例厂商', '--json', '--data-dir', dataDir],
    { env },
  );
  const creds = JSON.parse(created.stdout) as VendorCreds;
  const started = await serve(dataDir);
  server = started.child;
  const httpUrl = `http://127.0.0.1:${started.httpPort}/api/device`;
  const target: PlatformTarget = {
    tcpHost: '127.0.0.1',
    tcpPort: started.tcpPort,
    httpUrl,
    accessId: creds.accessId,
    accessKey: creds.accessKey,
    accessSecret: creds.accessSecret,
    sn: 'KQ-CONFORMANCE-1',
    version: 'v1.0.0',
    // Our platform's own hook, through its management API; with the face detector off any
    // picture of a face's size is enrolled (a vector photo of the protocol package).
    operatorHook: [
      process.execPath,
      CLI,
      'conformance',
      'hook',
      '--api',
      `http://127.0.0.1:${started.httpPort}/api/v1`,
    ]
      .concat(['--username', 'admin', '--password', started.adminPassword])
      .concat(['--photo', join(root, 'packages/protocol/vectors/photos/good-160x130.png')])
      .map((a) => `'${a}'`)
      .join(' '),
    now: Date.now,
    tokenIdleMs: TOKEN_IDLE_SECONDS * 1000,
  };
  // Described as `kaoqin conformance platform` describes its target: no key, no secret.
  const describe = {
    tcp: `127.0.0.1:${started.tcpPort}`,
    sn: target.sn,
    accessId: target.accessId,
    http: httpUrl,
  };
  const checks = PLATFORM_CHECKS.map((c) =>
    c.id === 'token.idle-lapse' ? { ...c, timeoutMs: tokenLapseMs(TOKEN_IDLE_SECONDS * 1000) + 30_000 } : c,
  );
  const report = await runChecks(checks, target, describe, {
    redact: [creds.accessKey, creds.accessSecret],
  });
  // The sample is published: make sure the kit kept its word that no key or secret is in it.
  const text = JSON.stringify(report);
  for (const secret of [creds.accessKey, creds.accessSecret])
    for (const form of [secret, Buffer.from(secret).toString('hex')])
      if (text.includes(form)) throw new Error('the accessKey or accessSecret appears in the report');
  await writeFile(join(root, 'docs/conformance-sample-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(root, 'docs/conformance-sample-report.html'), htmlReport(report));
  const { pass, fail, notRun, total } = report.summary;
  process.stdout.write(`${pass} passed, ${fail} failed, ${notRun} not run, of ${total}\n`);
} finally {
  if (server) await stop(server);
  await rm(dataDir, { recursive: true, force: true });
}
