/**
 * Which URLs a webhook may post to: http or https, no credentials in the URL (they
 * would show in every read; a receiver checks the signature instead), and, unless
 * config.webhookAllowPrivate, no private, loopback or link-local address. Private
 * addresses are allowed by default: a platform on a site's LAN posts to payroll
 * systems beside it. The check is on the URL when registered and on the resolved
 * addresses before each send (a public name that resolves to a private address).
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

export const MAX_URL_LENGTH = 2048;

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
    return PRIVATE.check(address, 'ipv6');
  }
  return false;
}

/** The hostname as an address when it is one ([::1] → ::1). */
const bare = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1');

/** Why this URL cannot be a webhook's; undefined when it can. */
export function urlProblem(raw: string, allowPrivate: boolean): string | undefined {
  if (raw.length > MAX_URL_LENGTH) return `at most ${MAX_URL_LENGTH} characters`;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'http or https only';
  if (u.username || u.password) return 'no credentials in the URL: check X-Kaoqin-Signature instead';
  if (u.hash) return 'no fragment';
  if (!allowPrivate) {
    const host = bare(u.hostname).toLowerCase();
    if (host === 'localhost' || host.endsWith('.localhost') || isPrivateAddress(host))
      return 'private, loopback and link-local addresses are refused (webhookAllowPrivate is false)';
  }
  return undefined;
}

/** Before a send with private addresses refused: the name must not resolve to one. */
export async function resolvesPrivate(raw: string): Promise<boolean> {
  const host = bare(new URL(raw).hostname);
  if (isIP(host)) return isPrivateAddress(host);
  const found = await lookup(host, { all: true });
  return found.some((a) => isPrivateAddress(a.address));
}
