import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { classifyIp, isPublicIp } from './ip-range.js';

describe('IP ranges', () => {
  it('classifies the IPv4 special-purpose ranges', () => {
    const cases: [string, string][] = [
      ['127.0.0.1', 'loopback'],
      ['127.255.255.254', 'loopback'],
      ['10.0.0.7', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'],
      ['169.254.169.254', 'link-local'],
      ['100.64.0.1', 'cgnat'],
      ['100.127.255.255', 'cgnat'],
      ['0.0.0.0', 'unspecified'],
      ['0.1.2.3', 'unspecified'],
      ['224.0.0.1', 'multicast'],
      ['239.255.255.250', 'multicast'],
      ['255.255.255.255', 'broadcast'],
      ['240.0.0.1', 'reserved'],
      ['192.0.2.10', 'reserved'],
      ['198.18.0.1', 'reserved'],
      ['203.0.113.5', 'reserved'],
    ];
    assert.deepEqual(
      cases.map(([ip]) => [ip, classifyIp(ip)]),
      cases,
    );
  });

  it('the neighbours of those ranges are public', () => {
    for (const ip of [
      '8.8.8.8',
      '1.1.1.1',
      '172.15.255.255',
      '172.32.0.0',
      '100.63.255.255',
      '100.128.0.0',
      '169.253.255.255',
      '192.167.255.255',
      '11.0.0.0',
      '223.255.255.255',
      '101.226.103.106',
    ])
      assert.equal(classifyIp(ip), 'public', ip);
  });

  it('classifies IPv6, with or without brackets and zone', () => {
    const cases: [string, string][] = [
      ['::', 'unspecified'],
      ['::1', 'loopback'],
      ['[::1]', 'loopback'],
      ['0:0:0:0:0:0:0:1', 'loopback'],
      ['fc00::1', 'private'],
      ['fd12:3456::1', 'private'],
      ['fe80::1', 'link-local'],
      ['fe80::1%eth0', 'link-local'],
      ['febf::1', 'link-local'],
      ['ff02::1', 'multicast'],
      ['2001:db8::1', 'reserved'],
      ['2002:7f00:1::1', 'reserved'],
      ['2001:0:4136:e378::1', 'reserved'],
      ['100::1', 'reserved'],
      ['fec0::1', 'reserved'],
      ['2400:3200::1', 'public'],
      ['2606:4700:4700::1111', 'public'],
    ];
    assert.deepEqual(
      cases.map(([ip]) => [ip, classifyIp(ip)]),
      cases,
    );
  });

  it('an IPv4-mapped, -compatible or NAT64 IPv6 address is what it embeds (never public when compatible)', () => {
    const cases: [string, string][] = [
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['[::ffff:7f00:1]', 'loopback'],
      ['0:0:0:0:0:ffff:a9fe:a9fe', 'link-local'],
      ['::ffff:10.1.2.3', 'private'],
      ['::ffff:8.8.8.8', 'public'],
      ['::127.0.0.1', 'loopback'],
      ['::7f00:1', 'loopback'],
      ['::8.8.8.8', 'reserved'],
      ['64:ff9b::10.0.0.1', 'private'],
      ['64:ff9b::808:808', 'public'],
    ];
    assert.deepEqual(
      cases.map(([ip]) => [ip, classifyIp(ip)]),
      cases,
    );
  });

  it('a name, or an IPv4 spelling that is not a dotted quad, is not an IP (URL parsing normalizes those first)', () => {
    for (const s of ['localhost', 'example.com', '127.1', '0x7f000001', '2130706433', ''])
      assert.equal(classifyIp(s), null, s);
    assert.equal(isPublicIp('localhost'), false);
    assert.equal(isPublicIp('8.8.8.8'), true);
  });
});
