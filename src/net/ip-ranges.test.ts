// The IP/CIDR module: strict entry parsing shared by operator lists and ip-restriction, and Kong's matching rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IpMatcher, ipType, isIpOrCidr, parseCidrList, parseIpOrCidr, splitList, unmap } from './ip-ranges.ts';

test('ipType names the family of an address literal and refuses malformed ones', () => {
  for (const v4 of ['127.0.0.1', '0.0.0.0', '255.255.255.255']) assert.equal(ipType(v4), 'ipv4', v4);
  for (const v6 of ['::1', '::', '2001:db8::8a2e:370:7334', 'fe80::1%eth0', '64:ff9b::192.0.2.33', '::ffff:127.0.0.1', '1:2:3:4:5:6:7:8']) {
    assert.equal(ipType(v6), 'ipv6', v6);
  }
  for (const bad of [
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '1..2.3',
    '1.2.3.4 ',
    'a.b.c.d',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    ':::',
    '12345::',
    'g::1',
    '::ffff:1.2.3',
    '::ffff:256.1.1.1',
    'not an ip',
  ]) {
    assert.equal(ipType(bad), null, bad);
  }
});

test('isIpOrCidr validates prefixes per family and refuses zones and loose prefixes', () => {
  for (const ok of ['1.2.3.4', '1.2.3.4/0', '1.2.3.4/32', '::/0', '::1/128', '2001:db8::/48', '::ffff:1.2.3.4/120']) assert.equal(isIpOrCidr(ok), true, ok);
  for (const bad of [
    '1.2.3.4/33',
    '::1/129',
    '1.2.3.4/',
    '1.2.3.4/08',
    '/8',
    'localhost',
    '1.2.3.4/-1',
    'fe80::1%eth0',
    '10.0.0.0/8 ',
    '10.0.0.0/8/1',
    '10.0.0.0/x',
    '',
  ]) {
    assert.equal(isIpOrCidr(bad), false, bad);
  }
  assert.deepEqual(parseIpOrCidr('10.0.0.0/8'), { address: '10.0.0.0', type: 'ipv4', prefix: 8 });
  assert.deepEqual(parseIpOrCidr('::1'), { address: '::1', type: 'ipv6', prefix: 128 });
});

test('single hosts and CIDR blocks, IPv4 and IPv6', () => {
  const set = new IpMatcher(['10.0.0.0/8', '192.168.1.7', '2001:db8::/32', '::1']);
  assert.equal(set.contains('10.255.0.1'), true);
  assert.equal(set.contains('11.0.0.1'), false);
  assert.equal(set.contains('192.168.1.7'), true);
  assert.equal(set.contains('192.168.1.8'), false);
  assert.equal(set.contains('2001:db8:ffff::1'), true);
  assert.equal(set.contains('2001:db9::1'), false);
  assert.equal(set.contains('::1'), true);
  assert.equal(set.contains('0:0:0:0:0:0:0:1'), true);
  assert.equal(set.contains('not an ip'), false);
  assert.equal(new IpMatcher(['fe80::/10']).contains('fe80::1%eth0'), true, 'a zoned link-local client');
});

test('an IPv4-mapped IPv6 client is matched as IPv4, in either spelling', () => {
  const set = new IpMatcher(['10.0.0.0/8', '127.0.0.1']);
  assert.equal(set.contains('::ffff:10.1.2.3'), true);
  assert.equal(set.contains('::ffff:127.0.0.1'), true);
  assert.equal(set.contains('::FFFF:7f00:1'), true);
  assert.equal(set.contains('::ffff:11.0.0.1'), false);
});

test('IPv4 and IPv6 stay apart, as in Kong, except for IPv4-mapped rules', () => {
  assert.equal(new IpMatcher(['::/0']).contains('127.0.0.1'), false);
  assert.equal(new IpMatcher(['::/0']).contains('::ffff:127.0.0.1'), false);
  assert.equal(new IpMatcher(['0.0.0.0/0']).contains('::1'), false);
  assert.equal(new IpMatcher(['0.0.0.0/0']).contains('203.0.113.9'), true);
  assert.equal(new IpMatcher(['::ffff:127.0.0.0/104']).contains('127.9.9.9'), true);
  assert.equal(new IpMatcher(['::ffff:127.0.0.0/104']).contains('128.0.0.1'), false);
  assert.equal(new IpMatcher(['::ffff:127.0.0.1']).contains('127.0.0.1'), true);
  assert.equal(new IpMatcher(['::ffff:0:0/96']).contains('198.51.100.1'), true, 'all of IPv4');
  // Wider than ::ffff:0:0/96 the rule is an IPv6 block: it does not reach IPv4 clients.
  assert.equal(new IpMatcher(['::ffff:0:0/95']).contains('198.51.100.1'), false);
  assert.equal(new IpMatcher(['::ffff:0:0/95']).contains('::fffe:0:1'), true);
});

test('a host-bits-set CIDR is masked to its network, like Kong', () => {
  assert.equal(new IpMatcher(['10.1.2.3/8']).contains('10.200.0.1'), true);
  assert.equal(new IpMatcher(['2001:db8::1/32']).contains('2001:db8:ffff::2'), true);
});

test('a matcher refuses entries that are not IPs or CIDRs', () => {
  assert.throws(() => new IpMatcher(['10.0.0.0/33']), /invalid ip or cidr range: '10.0.0.0\/33'/);
});

test('operator lists: BlockList, named errors, the same strict entries', () => {
  const list = parseCidrList(['10.0.0.0/8', '::1'], 'trusted proxy');
  assert.equal(list.check('10.9.9.9', 'ipv4'), true);
  assert.equal(list.check('::1', 'ipv6'), true);
  assert.equal(list.check('11.0.0.1', 'ipv4'), false);
  for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.0/8/1', '::1/129', '10.0.0.0/x', '10.0.0.0/08', 'fe80::1%eth0']) {
    assert.throws(
      () => parseCidrList([bad], 'trusted proxy'),
      new RegExp(`trusted proxy '${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}' is not an IP address or CIDR`),
      bad,
    );
  }
});

test('splitList and unmap', () => {
  assert.deepEqual(splitList(' 10.0.0.0/8, ,::1 '), ['10.0.0.0/8', '::1']);
  assert.deepEqual(splitList(undefined), []);
  assert.equal(unmap('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(unmap('::1'), '::1');
  assert.equal(unmap('127.0.0.1'), '127.0.0.1');
});

test('remembered verdicts stay right past the bound, for both families', () => {
  const set = new IpMatcher(['10.0.0.0/16', '2001:db8::/112']);
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 6000; i++) {
      const inside = i % 2 === 0;
      const v4 = inside ? `10.0.${(i >> 8) & 255}.${i & 255}` : `10.1.${(i >> 8) & 255}.${i & 255}`;
      const v6 = inside ? `2001:db8::${i.toString(16)}` : `2001:db8::1:${i.toString(16)}`;
      assert.equal(set.contains(v4), inside, v4);
      assert.equal(set.contains(v6), inside, v6);
    }
  }
});
