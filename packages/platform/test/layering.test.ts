/**
 * The house's layering, as ../shared/design/architecture.md draws it, checked on the
 * import graph of the sources (type-only imports included):
 *
 * - Packages by role: the protocol knows no other package (and so no platform); the
 *   device SDK, the face checks (faces) and the test kit know only the protocol; the
 *   platform knows the protocol, the face checks, the console and the phone page (whose
 *   built files it serves) and the conformance kit (its `kaoqin conformance` command);
 *   the conformance kit knows only the protocol (it plays a device against any platform); the console's sources know no package (its tests start a
 *   platform); the phone page (mobile) is a device and knows only the protocol; the simulator,
 *   home of the cross-package tests, knows all three. Every package is reached by its
 *   name and declared in package.json, never by a relative path into its folder or by
 *   a name computed at run time.
 * - Inside the platform: config/, ids.ts, log.ts and data-lock.ts are leaves; store/ and
 *   blobs/ sit below the domain; the domain knows no transport (gateway/, http/, api/),
 *   no request core (requests/) and no service above it (tasks/, imports/, downloads/);
 *   services know no transport; the request core knows no transport, and the two device
 *   transports share it rather than each other; only the composition (app.ts, cli/,
 *   cli.ts, index.ts) knows the composition.
 *
 * A failure lists every offending `file:line → import`.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  COMPUTED,
  type Edge,
  importsOf,
  ROOT,
  show,
  tsFiles,
  workspacePackages,
} from './helpers/import-graph.js';

/** Which workspace packages each package may depend on: its role. */
const ROLES: Record<string, string[]> = {
  protocol: [],
  testkit: ['@kaoqin/protocol'],
  faces: ['@kaoqin/protocol'],
  device: ['@kaoqin/protocol'],
  // The conformance kit too: `kaoqin conformance` is one of its commands.
  platform: ['@kaoqin/protocol', '@kaoqin/faces', '@kaoqin/console', '@kaoqin/mobile', '@kaoqin/conformance'],
  sim: ['@kaoqin/protocol', '@kaoqin/device', '@kaoqin/platform'],
  // A browser app: it knows the platform only through the management API over HTTP.
  console: [],
  // A browser app that is itself a device: it speaks the standard (@kaoqin/protocol/wire).
  mobile: ['@kaoqin/protocol'],
  // It plays a device against any platform, ours included: it knows only the wire.
  conformance: ['@kaoqin/protocol'],
};

const packages = workspacePackages();
const srcEdges = new Map(
  [...packages.keys()].map((dir) => [dir, importsOf(tsFiles(join(ROOT, 'packages', dir, 'src')))]),
);
const testEdges = new Map(
  [...packages.keys()].map((dir) => [dir, importsOf(tsFiles(join(ROOT, 'packages', dir, 'test')))]),
);

/** A relative import that resolves outside `packages/<dir>/`. */
const leavesPackage = (dir: string) => (e: Edge) =>
  e.file !== undefined && !e.file.startsWith(`packages/${dir}/`);

describe('packages by role', () => {
  it('reads the graph (a parse that finds nothing would pass every rule)', () => {
    const platform = srcEdges.get('platform') ?? [];
    expect(platform.some((e) => e.from.endsWith('src/app.ts') && e.file?.includes('/src/store/'))).toBe(true);
    expect((srcEdges.get('device') ?? []).some((e) => e.pkg === '@kaoqin/protocol')).toBe(true);
  });

  it('every package has a role, and declares no workspace dependency outside it', () => {
    const offenders: string[] = [];
    for (const [dir, pkg] of packages) {
      const role = ROLES[dir];
      if (!role) {
        offenders.push(`packages/${dir}: no role in layering.test.ts`);
        continue;
      }
      for (const dep of pkg.deps) {
        if (dep.startsWith('@kaoqin/') && !role.includes(dep))
          offenders.push(`packages/${dir}/package.json → ${dep}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('sources import only the packages of their role, declared as dependencies', () => {
    const offenders: string[] = [];
    for (const [dir, edges] of srcEdges) {
      const pkg = packages.get(dir)!;
      const allowed = ROLES[dir] ?? [];
      for (const e of edges) {
        if (!e.pkg || e.pkg === pkg.name) continue;
        if (!allowed.includes(e.pkg)) offenders.push(`${show(e)} (not in its role)`);
        else if (!pkg.deps.has(e.pkg)) offenders.push(`${show(e)} (not in package.json dependencies)`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('sources reach another package by its name, never by a relative path or a computed import()', () => {
    const offenders: string[] = [];
    for (const [dir, edges] of srcEdges) {
      for (const e of edges) {
        if (leavesPackage(dir)(e) || e.spec === COMPUTED) offenders.push(show(e));
      }
    }
    expect(offenders).toEqual([]);
  });

  it('tests reach another package by its name, declared in package.json', () => {
    const offenders: string[] = [];
    for (const [dir, edges] of testEdges) {
      const pkg = packages.get(dir)!;
      for (const e of edges) {
        if (leavesPackage(dir)(e) || e.spec === COMPUTED) offenders.push(show(e));
        else if (e.pkg && e.pkg !== pkg.name && !pkg.deps.has(e.pkg) && !pkg.devDeps.has(e.pkg)) {
          offenders.push(`${show(e)} (not declared)`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe('platform layers', () => {
  const SRC = 'packages/platform/src/';
  /** `store/` for a folder, `app.ts` for a top-level file. */
  const areaOf = (file: string): string => {
    const [first, second] = file.slice(SRC.length).split('/');
    return second === undefined ? first! : `${first}/`;
  };
  const edges = (srcEdges.get('platform') ?? [])
    .filter((e) => e.file?.startsWith(SRC))
    .map((e) => ({ edge: e, from: areaOf(e.from), to: areaOf(e.file!) }))
    .filter((e) => e.from !== e.to);

  const LEAVES = ['config/', 'ids.ts', 'log.ts', 'data-lock.ts'];
  const TRANSPORTS = ['gateway/', 'http/', 'api/'];
  const SERVICES = ['tasks/', 'imports/', 'downloads/'];
  const COMPOSITION = ['app.ts', 'cli/', 'cli.ts', 'index.ts'];

  /** Imports from `areas` to anything outside `allowed`. */
  const outside = (areas: string[], allowed: string[]): string[] =>
    edges.filter((e) => areas.includes(e.from) && !allowed.includes(e.to)).map((e) => show(e.edge));
  /** Imports from `areas` into `forbidden`. */
  const into = (areas: string[], forbidden: string[]): string[] =>
    edges.filter((e) => areas.includes(e.from) && forbidden.includes(e.to)).map((e) => show(e.edge));

  it('config/, ids.ts, log.ts and data-lock.ts are leaves', () => {
    expect(outside(LEAVES, [])).toEqual([]);
  });

  it('store/ sits below the domain: it imports only the leaves', () => {
    expect(outside(['store/'], LEAVES)).toEqual([]);
  });

  it('blobs/ sits below the domain: it imports only the leaves', () => {
    expect(outside(['blobs/'], LEAVES)).toEqual([]);
  });

  it('domain/ knows no transport, request core or service: it imports only store/, blobs/ and the leaves', () => {
    expect(outside(['domain/'], ['store/', 'blobs/', ...LEAVES])).toEqual([]);
  });

  it('services (tasks/, imports/, downloads/) know no transport and no request core', () => {
    expect(into(SERVICES, [...TRANSPORTS, 'requests/'])).toEqual([]);
  });

  it('the request core (requests/) knows no transport', () => {
    expect(into(['requests/'], TRANSPORTS)).toEqual([]);
  });

  it('the two device transports share the request core, not each other', () => {
    expect([...into(['gateway/'], ['http/']), ...into(['http/'], ['gateway/'])]).toEqual([]);
  });

  it('only the composition (app.ts, cli/, cli.ts, index.ts) imports the composition', () => {
    const below = [...new Set(edges.map((e) => e.from))].filter((a) => !COMPOSITION.includes(a));
    expect(into(below, COMPOSITION)).toEqual([]);
  });
});
