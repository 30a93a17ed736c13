// The address parser and CIDR matcher, checked against Node's own parser and BlockList on many addresses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockList, isIP } from 'node:net';
import { parseAddress } from './ip-address.ts';
import { IpRangeSet, isIpOrCidr } from './ip-range-set.ts';

const words = new Uint32Array(4);

test('parses IPv4 into one word and refuses malformed quads', () => {
  assert.equal(parseAddress('127.0.0.1', words), 4);
  assert.equal(words[0], 0x7f000001);
  assert.equal(parseAddress('255.255.255.255', words), 4);
  assert.equal(words[0], 0xffffffff);
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1..2.3', '1.2.3.4 ', 'a.b.c.d', '1.2.3.-4']) {
    assert.equal(parseAddress(bad, words), 0, bad);
  }
});

test('parses IPv6 forms: full, compressed, embedded IPv4, zone', () => {
  assert.equal(parseAddress('::1', words), 6);
  assert.deepEqual([...words], [0, 0, 0, 1]);
  assert.equal(parseAddress('2001:db8::8a2e:370:7334', words), 6);
  assert.deepEqual([...words], [0x20010db8, 0, 0x8a2e, 0x03707334]);
  assert.equal(parseAddress('fe80::1%eth0', words), 6);
  assert.deepEqual([...words], [0xfe800000, 0, 0, 1]);
  assert.equal(parseAddress('64:ff9b::192.0.2.33', words), 6);
  assert.deepEqual([...words], [0x0064ff9b, 0, 0, 0xc0000221]);
  assert.equal(parseAddress('::', words), 6);
  assert.deepEqual([...words], [0, 0, 0, 0]);
});

test('an IPv4-mapped IPv6 client is matched as IPv4', () => {
  assert.equal(parseAddress('::ffff:127.0.0.1', words), 4);
  assert.equal(words[0], 0x7f000001);
  assert.equal(parseAddress('::FFFF:7f00:1', words), 4);
  assert.equal(words[0], 0x7f000001);
});

test('accepts exactly what node:net accepts, on a spread of valid and invalid strings', () => {
  const samples = [
    '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1::8', '1:2:3:4:5:6:1.2.3.4', '::1.2.3.4',
    '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', ':1:2:3:4:5:6:7', '1:2:3:4:5:6:7:', '1::2::3', ':::', '12345::',
    'g::1', '1:2:3:4:5:6:7:1.2.3.4', '::ffff:1.2.3', '::ffff:256.1.1.1', 'fe80::%', '1.2.3.4', '0.0.0.0',
  ];
  for (const s of samples) assert.equal(parseAddress(s, words) !== 0, isIP(s) !== 0, s);
});

test('single hosts and CIDR blocks, IPv4 and IPv6', () => {
  const set = new IpRangeSet(['10.0.0.0/8', '192.168.1.7', '2001:db8::/32', '::1']);
  assert.equal(set.contains('10.255.0.1'), true);
  assert.equal(set.contains('11.0.0.1'), false);
  assert.equal(set.contains('192.168.1.7'), true);
  assert.equal(set.contains('192.168.1.8'), false);
  assert.equal(set.contains('2001:db8:ffff::1'), true);
  assert.equal(set.contains('2001:db9::1'), false);
  assert.equal(set.contains('::1'), true);
  assert.equal(set.contains('::ffff:10.1.2.3'), true, 'mapped client matches the IPv4 block');
  assert.equal(set.contains('not an ip'), false);
});

test('IPv4 and IPv6 stay apart, as in Kong, except for IPv4-mapped rules', () => {
  assert.equal(new IpRangeSet(['::/0']).contains('127.0.0.1'), false);
  assert.equal(new IpRangeSet(['0.0.0.0/0']).contains('::1'), false);
  assert.equal(new IpRangeSet(['0.0.0.0/0']).contains('203.0.113.9'), true);
  assert.equal(new IpRangeSet(['::ffff:127.0.0.0/104']).contains('127.9.9.9'), true);
  assert.equal(new IpRangeSet(['::ffff:127.0.0.1']).contains('127.0.0.1'), true);
});

test('a host-bits-set CIDR is masked to its network, like Kong', () => {
  assert.equal(new IpRangeSet(['10.1.2.3/8']).contains('10.200.0.1'), true);
});

test('isIpOrCidr validates prefixes per family', () => {
  for (const ok of ['1.2.3.4', '1.2.3.4/0', '1.2.3.4/32', '::/0', '::1/128', '2001:db8::/48', '::ffff:1.2.3.4/120']) assert.equal(isIpOrCidr(ok), true, ok);
  for (const bad of ['1.2.3.4/33', '::1/129', '1.2.3.4/', '1.2.3.4/08', '/8', 'localhost', '1.2.3.4/-1', 'fe80::1%eth0', '10.0.0.0/8 ']) {
    assert.equal(isIpOrCidr(bad), false, bad);
  }
});

test('agrees with node:net BlockList on random addresses and blocks', () => {
  let seed = 42;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return (seed >>> 8) % n;
  };
  const v4 = () => [rand(256), rand(256), rand(256), rand(256)].join('.');
  const v6 = () => Array.from({ length: 8 }, () => rand(4) === 0 ? '0' : rand(0x10000).toString(16)).join(':');
  for (let round = 0; round < 200; round++) {
    const rules: string[] = [];
    // One BlockList per family: BlockList also matches IPv4 against IPv6 rules, which Kong does not.
    const list4 = new BlockList();
    const list6 = new BlockList();
    for (let r = 0; r < 4; r++) {
      const ip4 = v4();
      const p4 = rand(33);
      rules.push(`${ip4}/${p4}`);
      list4.addSubnet(ip4, p4, 'ipv4');
      const ip6 = v6();
      const p6 = rand(129);
      rules.push(`${ip6}/${p6}`);
      list6.addSubnet(ip6, p6, 'ipv6');
    }
    const set = new IpRangeSet(rules);
    for (let k = 0; k < 50; k++) {
      // Probe near the rules too, or nearly every random probe would miss.
      const base4 = rules[2 * rand(4)].split('/')[0].split('.');
      base4[3] = String(rand(256));
      const probe4 = rand(2) === 0 ? v4() : base4.join('.');
      assert.equal(set.contains(probe4), list4.check(probe4, 'ipv4'), `${probe4} in ${rules.join(' ')}`);
      const base6 = rules[2 * rand(4) + 1].split('/')[0].split(':');
      base6[7] = rand(0x10000).toString(16);
      const probe6 = rand(2) === 0 ? v6() : base6.join(':');
      assert.equal(set.contains(probe6), list6.check(probe6, 'ipv6'), `${probe6} in ${rules.join(' ')}`);
    }
  }
});
