import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may point: http(s) only, and — unless private targets are allowed — never at a
 * loopback, private, link-local, carrier-grade NAT, unique-local, multicast or unspecified address,
 * so a webhook cannot become a way into the internal network. Checked when a webhook is saved and
 * again on the resolved address at every delivery (DNS may change); the delivery then connects to
 * exactly the address checked.
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  // ::/96 holds the unspecified and loopback addresses and the deprecated IPv4-compatible ones (::7f00:1).
  ['::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

export class TargetRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetRefused';
  }
}

/** True for an address a webhook may not reach without WEBHOOK_ALLOW_PRIVATE. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  // IPv4-mapped IPv6 (::ffff:127.0.0.1) is checked as the IPv4 address it carries.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1], 'ipv4');
  return blocked.check(address, 'ipv6');
}

export interface ResolvedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

/** Parses and resolves a webhook URL; throws TargetRefused when it may not be reached. */
export async function resolveTarget(raw: string, allowPrivate: boolean): Promise<ResolvedTarget> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefused('not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TargetRefused('must be http or https');
  if (url.username || url.password) throw new TargetRefused('must not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    if (!allowPrivate && isPrivateAddress(host))
      throw new TargetRefused(`${host} is a private, loopback or link-local address`);
    return { url, address: host, family: isIP(host) as 4 | 6 };
  }
  let all: { address: string; family: number }[];
  try {
    all = await lookup(host, { all: true, verbatim: true });
  } catch {
    throw new TargetRefused(`${host} does not resolve`);
  }
  if (all.length === 0) throw new TargetRefused(`${host} does not resolve`);
  // Every address the name has must be allowed: a connection could use any of them.
  if (!allowPrivate && all.some((a) => isPrivateAddress(a.address)))
    throw new TargetRefused(`${host} resolves to a private, loopback or link-local address`);
  return { url, address: all[0].address, family: all[0].family as 4 | 6 };
}
