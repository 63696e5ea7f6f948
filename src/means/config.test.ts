import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../config/index.ts';
import { productionProblems } from '../config/production.ts';

const load = (overrides: Record<string, unknown>, env: Record<string, string> = {}) => loadConfig({ env, overrides: { env: 'test', ...overrides } });

describe('means lifecycle and mail configuration', () => {
  it('has safe defaults: keys confirmed every 3 years, warned 30 days before, notices on, no e-mail, STARTTLS required', () => {
    const config = load({});
    assert.deepEqual(config.means, { maxKeyAgeDays: 1095, warnDays: 30, noticesAtSignIn: true });
    assert.equal(config.mail.smtp.host, undefined);
    assert.equal(config.mail.smtp.requireTls, true);
    assert.deepEqual([config.mail.codeMinutes, config.mail.codesPerHour], [15, 3]);
  });

  it('reads the environment', () => {
    const config = load({}, { KEY_MAX_AGE_DAYS: '730', SMTP_HOST: 'smtp.chu.test', SMTP_PORT: '465', SMTP_SECURE: 'true', NOTICES_AT_SIGN_IN: 'false' });
    assert.deepEqual(
      [config.means.maxKeyAgeDays, config.mail.smtp.host, config.mail.smtp.port, config.mail.smtp.secure, config.means.noticesAtSignIn],
      [730, 'smtp.chu.test', 465, true, false],
    );
  });

  it('refuses a maximum age out of bounds, naming the key', () => {
    assert.throws(
      () => load({ 'means.maxKeyAgeDays': 5 }),
      (err: unknown) => err instanceof ConfigError && err.problems.some((p) => p.key === 'means.maxKeyAgeDays'),
    );
    assert.throws(
      () => load({ 'means.maxKeyAgeDays': 60, 'means.warnDays': 90 }),
      (err: unknown) => err instanceof ConfigError && err.problems.some((p) => p.key === 'means.warnDays'),
    );
  });

  it('production refuses an SMTP relay without TLS', () => {
    const config = { ...load({ 'mail.smtp.host': 'smtp.chu.test', 'mail.smtp.requireTls': false }), env: 'production' as const };
    assert.ok(productionProblems(config).some((p) => p.key === 'mail.smtp.requireTls'));
    const secure = { ...load({ 'mail.smtp.host': 'smtp.chu.test', 'mail.smtp.requireTls': false, 'mail.smtp.secure': true }), env: 'production' as const };
    assert.ok(!productionProblems(secure).some((p) => p.key === 'mail.smtp.requireTls'));
  });
});
