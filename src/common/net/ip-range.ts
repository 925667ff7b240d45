import { isIPv4, isIPv6 } from 'node:net';

/**
 * Which kind of address an IP is, for deciding whether the server may call out to it. Only
 * `public` is reachable by an outbound call that a user chose (a webhook); everything else is the
 * server's own machine, its networks, or nothing routable.
 */
export type IpRange =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved';

/** Canonical dotted-quad IPv4 (as URL parsing and DNS give it) to a 32-bit number. */
function v4ToInt(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

/** Is `n` inside `base/bits`? */
function inV4(n: number, base: string, bits: number): boolean {
  const size = 2 ** (32 - bits);
  return Math.floor(n / size) === Math.floor(v4ToInt(base) / size);
}

/** IANA's IPv4 special-purpose ranges, most specific first. */
const V4_RANGES: [string, number, IpRange][] = [
  ['255.255.255.255', 32, 'broadcast'],
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'cgnat'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

function classifyV4Int(n: number): IpRange {
  for (const [base, bits, range] of V4_RANGES) if (inV4(n, base, bits)) return range;
  return 'public';
}

/** An IPv6 address (already checked with isIPv6, no zone) as its eight 16-bit groups. */
function v6Groups(ip: string): number[] {
  let text = ip;
  // A trailing dotted quad (::ffff:127.0.0.1) is the last two groups.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const n = v4ToInt(quad[1]);
    text = `${text.slice(0, -quad[1].length)}${Math.floor(n / 65536).toString(16)}:${(n % 65536).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parse = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

function classifyV6(ip: string): IpRange {
  const g = v6Groups(ip);
  const embeddedV4 = g[6] * 65536 + g[7];
  const zeroUpTo = (k: number) => g.slice(0, k).every((x) => x === 0);
  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && g[7] === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d): the IPv4 address it stands for.
  if (zeroUpTo(5) && g[5] === 0xffff) return classifyV4Int(embeddedV4);
  // IPv4-compatible (::a.b.c.d, deprecated): never a real destination, whatever it embeds.
  if (zeroUpTo(6)) {
    const v4 = classifyV4Int(embeddedV4);
    return v4 === 'public' ? 'reserved' : v4;
  }
  // NAT64 well-known prefix (64:ff9b::/96) reaches the IPv4 address it embeds.
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0))
    return classifyV4Int(embeddedV4);
  if ((g[0] & 0xfe00) === 0xfc00) return 'private'; // fc00::/7 unique local
  if ((g[0] & 0xffc0) === 0xfe80) return 'link-local'; // fe80::/10
  if ((g[0] & 0xff00) === 0xff00) return 'multicast'; // ff00::/8
  // Global unicast is 2000::/3; inside it, IETF assignments (Teredo, ORCHID…), documentation and
  // 6to4 (which tunnels to any IPv4 address) are not destinations a webhook has.
  if ((g[0] & 0xe000) !== 0x2000) return 'reserved';
  if (g[0] === 0x2001 && g[1] < 0x0200) return 'reserved'; // 2001::/23
  if (g[0] === 0x2001 && g[1] === 0x0db8) return 'reserved'; // 2001:db8::/32
  if (g[0] === 0x2002) return 'reserved'; // 2002::/16
  return 'public';
}

/**
 * The range of an IP address in canonical text form (what DNS and WHATWG URL parsing give: dotted
 * quad, or IPv6 with or without brackets and zone). `null` when `ip` is not an IP address.
 */
export function classifyIp(ip: string): IpRange | null {
  const bare = ip.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (isIPv4(bare)) return classifyV4Int(v4ToInt(bare));
  if (isIPv6(bare)) return classifyV6(bare);
  return null;
}

/** True only for an address the server may call out to when a user chose it. */
export function isPublicIp(ip: string): boolean {
  return classifyIp(ip) === 'public';
}
