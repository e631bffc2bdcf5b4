import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipInCidrs, parseCidr, parseIp } from '../../src/core/cidr.ts';

function yes(ip: string, cidr: string): void {
  assert.equal(ipInCidrs(ip, [cidr]), true, `${ip} should be in ${cidr}`);
}
function no(ip: string, cidr: string): void {
  assert.equal(ipInCidrs(ip, [cidr]), false, `${ip} should not be in ${cidr}`);
}

test('IPv4 ranges: in and out, /8 /24 /31 /32', () => {
  yes('10.1.2.3', '10.0.0.0/8');
  no('11.0.0.0', '10.0.0.0/8');
  no('9.255.255.255', '10.0.0.0/8');
  yes('192.168.1.255', '192.168.1.0/24');
  no('192.168.2.0', '192.168.1.0/24');
  yes('172.16.0.1', '172.16.0.0/31');
  no('172.16.0.2', '172.16.0.0/31');
  yes('127.0.0.1', '127.0.0.1/32');
  no('127.0.0.2', '127.0.0.1/32');
  yes('127.0.0.1', '127.0.0.1'); // bare address = single host
  no('127.0.0.2', '127.0.0.1');
});

test('non-octet IPv4 prefixes: /12, /23, /30', () => {
  yes('172.31.255.255', '172.16.0.0/12');
  no('172.32.0.0', '172.16.0.0/12');
  no('172.15.255.255', '172.16.0.0/12');
  yes('10.0.1.7', '10.0.0.0/23');
  no('10.0.2.0', '10.0.0.0/23');
  yes('10.0.0.3', '10.0.0.0/30');
  no('10.0.0.4', '10.0.0.0/30');
});

test('IPv4 /0 matches every IPv4 address but no native IPv6 address', () => {
  yes('0.0.0.0', '0.0.0.0/0');
  yes('255.255.255.255', '0.0.0.0/0');
  yes('::ffff:8.8.8.8', '0.0.0.0/0');
  no('2001:db8::1', '0.0.0.0/0');
  no('::1', '0.0.0.0/0');
});

test('IPv6 /0 matches every IPv6 address', () => {
  yes('2001:db8::1', '::/0');
  yes('::', '::/0');
  yes('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '::/0');
});

test('IPv6 /128 and compressed forms', () => {
  yes('::1', '::1/128');
  yes('0:0:0:0:0:0:0:1', '::1/128');
  yes('::1', '0000:0000:0000:0000:0000:0000:0000:0001/128');
  no('::2', '::1/128');
  no('::', '::1/128');
  yes('::1', '::1');
  yes('2001:DB8::1', '2001:db8::1/128'); // hex is case-insensitive
});

test('fe80::/10 link-local and 2001:db8::/32 documentation ranges', () => {
  yes('fe80::1', 'fe80::/10');
  yes('febf:ffff::1', 'fe80::/10');
  no('fec0::1', 'fe80::/10');
  no('fe7f::1', 'fe80::/10');
  yes('2001:db8::1', '2001:db8::/32');
  yes('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', '2001:db8::/32');
  no('2001:db9::1', '2001:db8::/32');
  no('2001:db7:ffff::1', '2001:db8::/32');
});

test('zone ids and brackets on the peer are tolerated', () => {
  yes('fe80::1%eth0', 'fe80::/10');
  yes('[::1]', '::1/128');
});

test('IPv4-mapped IPv6 peers match IPv4 ranges', () => {
  yes('::ffff:127.0.0.1', '127.0.0.0/8');
  yes('::FFFF:127.0.0.1', '127.0.0.0/8');
  yes('::ffff:7f00:1', '127.0.0.0/8'); // hex notation of the same mapped address
  yes('0:0:0:0:0:ffff:127.0.0.1', '127.0.0.1/32');
  no('::ffff:128.0.0.1', '127.0.0.0/8');
  // An IPv4 peer matches the equivalent mapped IPv6 range.
  yes('127.0.0.1', '::ffff:127.0.0.0/104');
  no('128.0.0.1', '::ffff:127.0.0.0/104');
});

test('IPv4-compatible / other embedded IPv4 is not IPv4-mapped', () => {
  // ::127.0.0.1 (deprecated IPv4-compatible) and 64:ff9b::127.0.0.1 (NAT64) are different addresses.
  no('::127.0.0.1', '127.0.0.0/8');
  no('64:ff9b::127.0.0.1', '127.0.0.0/8');
  yes('64:ff9b::127.0.0.1', '64:ff9b::/96');
  yes('64:ff9b::7f00:1', '64:ff9b::127.0.0.1/128');
});

test('parseIp: embedded IPv4 in IPv6 notation yields the right bytes', () => {
  assert.deepEqual(parseIp('::ffff:1.2.3.4'), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]);
  assert.deepEqual(parseIp('1.2.3.4'), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]);
  assert.deepEqual(parseIp('1:2:3:4:5:6:7.8.9.10'), [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 7, 8, 9, 10]);
  assert.deepEqual(parseIp('2001:db8::'), [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(parseIp('::'), new Array(16).fill(0));
});

test('garbage never parses and never matches, even against /0 (fail closed)', () => {
  const garbage = [
    '', ' ', 'localhost', '127.0.0.1 ', ' 127.0.0.1', '127.0.0', '127.0.0.1.1', '127.0.0.256', '1.2.3.-1',
    '010.0.0.1', '0x7f.0.0.1', '127.0.0.1/8', '1::2::3', ':::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::',
    ':1:2:3:4:5:6:7', '1:2:3:4:5:6:7:', '12345::1', 'g::1', '::ffff:1.2.3', '::ffff:1.2.3.4.5', '::1.2.3.4:5',
    '1:2:3:4:5:6:7:1.2.3.4', 'unknown', '[::1', '::1]', '1.2.3.4:80',
  ];
  for (const g of garbage) {
    assert.equal(parseIp(g), null, `parseIp(${JSON.stringify(g)})`);
    assert.equal(ipInCidrs(g, ['0.0.0.0/0', '::/0']), false, `ipInCidrs(${JSON.stringify(g)})`);
  }
});

test('unparsable CIDRs are skipped, the rest of the list still applies', () => {
  assert.equal(ipInCidrs('10.0.0.1', ['bogus', '10.0.0.0/33', '10.0.0.0/8']), true);
  assert.equal(ipInCidrs('10.0.0.1', ['bogus', '10.0.0.0/33']), false);
  assert.equal(ipInCidrs('10.0.0.1', []), false);
});

test('parseCidr: prefix length bounds and syntax', () => {
  assert.equal(parseCidr('10.0.0.0/33'), null);
  assert.equal(parseCidr('::/129'), null);
  assert.equal(parseCidr('10.0.0.0/-1'), null);
  assert.equal(parseCidr('10.0.0.0/'), null);
  assert.equal(parseCidr('10.0.0.0/8/8'), null);
  assert.equal(parseCidr('10.0.0.0/ 8'), null);
  assert.equal(parseCidr('10.0.0.0/1000'), null);
  assert.equal(parseCidr('10.0.0.0/0x8'), null);
  assert.equal(parseCidr('garbage/8'), null);
  // IPv4 prefixes are shifted into the mapped range; IPv6 ones are as written.
  assert.deepEqual(parseCidr('10.0.0.0/8')?.bits, 104);
  assert.deepEqual(parseCidr('10.0.0.0/32')?.bits, 128);
  assert.deepEqual(parseCidr('10.0.0.0/0')?.bits, 96);
  assert.deepEqual(parseCidr('10.0.0.1')?.bits, 128);
  assert.deepEqual(parseCidr('::/0')?.bits, 0);
  assert.deepEqual(parseCidr('::1/128')?.bits, 128);
  assert.deepEqual(parseCidr('::1')?.bits, 128);
  // An IPv6-notation prefix > 32 is fine even when it embeds IPv4.
  assert.deepEqual(parseCidr('::ffff:10.0.0.0/104')?.bits, 104);
});
