/**
 * Sources of events: client addresses reduced per policy (full, truncated /24 and /48,
 * keyed hash; IPv4-mapped IPv6), user-agent summaries, the source of a request.
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { auditSourceFrom, reduceIp, summarizeUserAgent, USER_AGENT_SUMMARY_MAX } from '../../src/audit/index.ts';
import { KEY, WRONG_KEY } from './helpers.ts';

describe('reduceIp', () => {
  const cases: Array<[input: string, full: string, truncated: string]> = [
    ['192.168.1.77', '192.168.1.77', '192.168.1.0'],
    ['10.0.0.1', '10.0.0.1', '10.0.0.0'],
    ['::ffff:192.168.1.77', '192.168.1.77', '192.168.1.0'],
    ['::FFFF:10.1.2.3', '10.1.2.3', '10.1.2.0'],
    ['::ffff:c0a8:14d', '192.168.1.77', '192.168.1.0'],
    ['2001:db8:1234:5678::1', '2001:db8:1234:5678::1', '2001:db8:1234::'],
    ['2001:0DB8:0001:ffff:0:0:0:1', '2001:0db8:0001:ffff:0:0:0:1', '2001:db8:1::'],
    ['2001:db8::1', '2001:db8::1', '2001:db8::'],
    ['[2a01:cb00:abcd:1::2]', '2a01:cb00:abcd:1::2', '2a01:cb00:abcd::'],
    ['fe80::1%eth0', 'fe80::1', 'fe80::'],
    ['::1', '::1', '::'],
  ];
  for (const [input, full, truncated] of cases) {
    it(`${input}: full ${full}, truncated ${truncated}`, () => {
      assert.equal(reduceIp(input, 'full'), full);
      assert.equal(reduceIp(input, 'truncated'), truncated);
    });
  }

  it('hashes with the key: 16 hex characters, stable, the same for a mapped address, different with another key', () => {
    const hashed = reduceIp('192.168.1.77', 'hashed', KEY);
    assert.match(hashed!, /^[0-9a-f]{16}$/);
    assert.equal(reduceIp('::ffff:192.168.1.77', 'hashed', KEY), hashed);
    assert.notEqual(reduceIp('192.168.1.78', 'hashed', KEY), hashed);
    assert.notEqual(reduceIp('192.168.1.77', 'hashed', WRONG_KEY), hashed);
    assert.equal(hashed!.includes('192'), false);
    // HMAC under HMAC(MAC key, "hospiconnect audit ip v1"), whichever key was used just before.
    const subKey = createHmac('sha256', KEY).update('hospiconnect audit ip v1').digest();
    assert.equal(hashed, createHmac('sha256', subKey).update('192.168.1.77').digest('hex').slice(0, 16));
    assert.equal(reduceIp('192.168.1.77', 'hashed', KEY), hashed, 'the same again after the other key');
  });

  it('refuses the hashed policy without a key', () => {
    assert.throws(() => reduceIp('192.168.1.77', 'hashed'), /policy "hashed": expected the audit MAC key .*got none/);
    assert.throws(() => reduceIp('192.168.1.77', 'hashed', 'short'), /got 5 characters/);
  });

  it('keeps nothing that is not an address', () => {
    for (const input of [undefined, '', 'localhost', '999.1.1.1', '1.2.3', '<script>', '1.2.3.4, 5.6.7.8']) {
      assert.equal(reduceIp(input, 'full'), undefined, String(input));
      assert.equal(reduceIp(input, 'truncated'), undefined, String(input));
    }
  });
});

describe('summarizeUserAgent', () => {
  const table: Array<[ua: string, summary: string]> = [
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36', 'Chrome 142 / Windows'],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0', 'Firefox 120 / Linux'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15', 'Safari 17 / macOS'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91', 'Edge 120 / Windows'],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1',
      'Safari 17 / iOS',
    ],
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Mobile Safari/537.36', 'Chrome 141 / Android'],
    [
      'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36',
      'Samsung Internet 23 / Android',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1',
      'Chrome 120 / iOS',
    ],
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/142.0.0.0 Safari/537.36', 'HeadlessChrome 142 / Linux'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 OPR/105.0.0.0', 'Opera 105 / Windows'],
    ['Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36', 'Chrome 120 / ChromeOS'],
    ['curl/8.5.0', 'other'],
    ['node', 'other'],
    ['<script>alert(1)</script>', 'other'],
  ];
  for (const [ua, summary] of table) {
    it(`${summary} ← ${ua.slice(0, 60)}`, () => assert.equal(summarizeUserAgent(ua), summary));
  }

  it('never returns the raw header, and caps the length', () => {
    const long = `Mozilla/5.0 (Windows NT 10.0) Chrome/${'9'.repeat(500)} Safari/537.36`;
    const summary = summarizeUserAgent(long)!;
    assert.equal(summary, 'Chrome 9999 / Windows');
    assert.ok(summary.length <= USER_AGENT_SUMMARY_MAX);
    assert.equal(summarizeUserAgent(undefined), undefined);
    assert.equal(summarizeUserAgent(''), undefined);
    assert.equal(summarizeUserAgent(['Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0', 'x']), 'Firefox 120 / Linux');
  });
});

describe('auditSourceFrom', () => {
  it('takes the request id, the reduced address and the user-agent summary', () => {
    const req = { id: 'req-42', ip: '::ffff:203.0.113.9', headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0' } };
    assert.deepEqual(auditSourceFrom(req, 'truncated'), { requestId: 'req-42', ip: '203.0.113.0', userAgent: 'Firefox 120 / Linux' });
    assert.deepEqual(auditSourceFrom(req, 'full'), { requestId: 'req-42', ip: '203.0.113.9', userAgent: 'Firefox 120 / Linux' });
    assert.match(auditSourceFrom(req, 'hashed', KEY).ip!, /^[0-9a-f]{16}$/);
  });

  it('leaves out what is missing; numeric ids become strings, long ones are cut', () => {
    assert.deepEqual(auditSourceFrom({ headers: {} }, 'truncated'), {});
    assert.deepEqual(auditSourceFrom({ id: 7, headers: {} }, 'truncated'), { requestId: '7' });
    assert.equal(auditSourceFrom({ id: 'x'.repeat(500), headers: {} }, 'full').requestId!.length, 128);
    assert.deepEqual(auditSourceFrom({ id: { a: 1 }, headers: {} }, 'full'), {});
  });
});
