/**
 * Mutual TLS client authentication to PSC (tls_client_auth, RFC 8705), over real HTTPS: the PSC
 * simulator serves a certificate from a throwaway test CA and knows the gateway only by its
 * client certificate's subject DN; the gateway has no client secret. With the registered
 * certificate a clinician signs in. With a certificate from another CA, or one whose subject
 * is not the registered one, PSC refuses the gateway at the token endpoint: the clinician gets
 * the French PSC error page (never a 500), the audit trail a psc.failed, the application access_denied.
 * A missing or wrong certificate file stops start-up with exit code 2, without a stack trace.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { startStack, type Stack } from '../support/stack.ts';
import { TestBrowser } from '../support/browser.ts';
import { authorizationRequest, exchange, isRpRedirect, loginAtPsc, signIn } from '../support/psc-login.ts';
import { createTestPki, type PemPair, type TestCa, type TestPki } from '../support/test-pki.ts';
import { spawnMain } from '../support/processes.ts';
import { freePort } from '../support/ports.ts';
import { startConnectProxy } from '../support/connect-proxy.ts';
import { createPscConfigurationSource } from '../../src/federation/index.ts';
import { createPscFetch } from '../../src/federation/psc-mtls.ts';
import { readPscTlsFiles } from '../../src/federation/psc-tls-files.ts';
import { ENDPOINTS } from '../../src/sandbox/psc/index.ts';
import { createKeyNames } from '../../src/store/index.ts';

/** The subject DN registered at PSC for the gateway (RFC 4514), and the same in openssl's form. */
const REGISTERED_DN = 'CN=hospiconnect-gateway,OU=DSI,O=CH de Demonstration,C=FR';
const REGISTERED_SUBJECT = '/C=FR/O=CH de Demonstration/OU=DSI/CN=hospiconnect-gateway';

let pki: TestPki;
let ca: TestCa;
let server: PemPair;
let trusting: Agent;
/** The clinician's browser trusts the test CA (PSC's pages are served over HTTPS). */
const browserFetch = ((input: string | URL, init?: RequestInit) =>
  undiciFetch(input, { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher: trusting })) as unknown as typeof fetch;
const newBrowser = () => new TestBrowser({ fetch: browserFetch });

beforeAll(() => {
  pki = createTestPki();
  ca = pki.ca('psc-test-ca');
  server = ca.issue('psc-server', '/CN=localhost', { serverNames: ['localhost', '127.0.0.1', '::1'] });
  trusting = new Agent({ connect: { ca: ca.cert } });
});
afterAll(async () => {
  await trusting.close();
  pki.remove();
});

/** A stack whose gateway authenticates to the HTTPS simulator with `certificate`. */
function mtlsStack(name: string, certificate: () => PemPair): Promise<Stack> {
  return startStack({
    name,
    pscMtls: { tls: { cert: server.cert, key: server.key, clientCa: ca.cert }, subjectDn: REGISTERED_DN },
    overrides: {
      'psc.authMethod': 'tls_client_auth',
      'psc.clientSecret': undefined,
      'psc.tls.certFile': certificate().certFile,
      'psc.tls.keyFile': certificate().keyFile,
      'psc.tls.caFile': ca.certFile,
    },
  });
}

async function auditTypes(stack: Stack) {
  return (await stack.gateways[0]!.auditLog.range({})).filter((e) => e.type.startsWith('psc.'));
}

describe('tls_client_auth with the registered certificate', () => {
  let stack: Stack;
  beforeAll(async () => {
    const registered = ca.issue('gateway', REGISTERED_SUBJECT, { rsa: true });
    stack = await mtlsStack('psc-mtls', () => registered);
  });
  afterAll(async () => {
    await stack.close();
  });

  it('signs a clinician in through PSC, the gateway authenticated by its certificate alone', async () => {
    assert.equal(stack.config.psc.clientSecret, undefined, 'no client secret configured');
    assert.match(stack.psc.issuer, /^https:\/\/localhost:\d+\//);
    const tokens = await exchange(await signIn(stack, newBrowser(), { choice: { practitioner: '899700427885', means: 'card' } }));
    assert.equal(tokens.claims()!.sub, '899700427885');
    assert.equal(tokens.claims()!.acr, 'eidas3');
    const events = await auditTypes(stack);
    assert.ok(
      events.some((e) => e.type === 'psc.verified' && e.actor === '899700427885'),
      'psc.verified recorded',
    );
    assert.ok(!events.some((e) => e.type === 'psc.failed'));
  });

  it('uses the mtls_endpoint_aliases PSC publishes, except for an endpoint set by hand', async () => {
    const material = readPscTlsFiles(stack.config.psc)!;
    const pscFetch = createPscFetch(material);
    try {
      const discovered = await createPscConfigurationSource(stack.config.psc, { allowHttp: false, fetch: pscFetch }).get();
      assert.equal(discovered.serverMetadata().mtls_endpoint_aliases?.token_endpoint, `${stack.psc.issuer}${ENDPOINTS.token}`);
      assert.equal(discovered.clientMetadata().use_mtls_endpoint_aliases, true);
      assert.equal(discovered.clientMetadata().client_secret, undefined);

      const tokenByHand = `${stack.psc.issuer.replace('localhost', '127.0.0.1')}${ENDPOINTS.token}`;
      const psc = {
        ...stack.config.psc,
        metadata: {
          authorization_endpoint: `${stack.psc.issuer}${ENDPOINTS.authorization}`,
          token_endpoint: tokenByHand,
          userinfo_endpoint: `${stack.psc.issuer}${ENDPOINTS.userinfo}`,
          jwks_uri: `${stack.psc.issuer}${ENDPOINTS.jwks}`,
        },
      };
      const overridden = (await createPscConfigurationSource(psc, { allowHttp: false, fetch: pscFetch }).get()).serverMetadata();
      assert.equal(overridden.token_endpoint, tokenByHand);
      assert.equal(overridden.mtls_endpoint_aliases?.token_endpoint, undefined, 'the alias does not shadow the endpoint set by hand');
      assert.equal(overridden.mtls_endpoint_aliases?.introspection_endpoint, `${stack.psc.issuer}${ENDPOINTS.introspection}`);
    } finally {
      await pscFetch.close();
    }
  });

  it('keeps psc.timeoutMs: PSC too slow gives the 503 page within the timeout', async () => {
    const browser = newBrowser();
    const request = await authorizationRequest(stack);
    const login = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
    const psc = await browser.submit(login.page!, 'form[action$="/psc"]');
    const back = await browser.submit(
      psc.page!,
      'form.login-form',
      { action: 'login', practitioner: '810107890127', means: 'card' },
      { stopAt: (url) => url.pathname === '/federation/psc/callback' },
    );
    stack.psc.faults = { delayMs: 4000 };
    try {
      const started = Date.now();
      const page = await browser.request(back.stoppedAt!);
      assert.ok(Date.now() - started < 3500, `the gateway gives up after psc.timeoutMs (${stack.config.psc.timeoutMs} ms)`);
      assert.equal(page.status, 503);
      assert.match(page.text, /Pro Santé Connect ne répond pas/);
    } finally {
      stack.psc.faults = {};
    }
  });

  it('goes through the outbound proxy with NODE_USE_ENV_PROXY=1, the certificate presented inside the tunnel', async () => {
    const proxy = await startConnectProxy();
    const pscFetch = createPscFetch(readPscTlsFiles(stack.config.psc)!, { NODE_USE_ENV_PROXY: '1', HTTPS_PROXY: proxy.url });
    try {
      const config = await createPscConfigurationSource(stack.config.psc, { allowHttp: false, fetch: pscFetch }).get();
      const response = await pscFetch(config.serverMetadata().token_endpoint!, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: 'made-up',
          client_id: 'hospiconnect-gateway',
          redirect_uri: `${stack.issuer}/federation/psc/callback`,
        }),
      });
      assert.equal(((await response.json()) as { error: string }).error, 'invalid_grant', 'client authentication passed (only the made-up code is refused)');
      assert.ok(proxy.tunnels.length >= 1 && proxy.tunnels.every((t) => t === new URL(stack.psc.url).host), `tunnels: ${proxy.tunnels.join(', ')}`);
    } finally {
      await pscFetch.close();
      await proxy.close();
    }
  });
});

/** Sign-in up to the gateway's answer after PSC: PSC refuses the gateway at the token endpoint. */
async function refusedAtTokenEndpoint(stack: Stack) {
  const browser = newBrowser();
  const request = await authorizationRequest(stack);
  const login = await browser.follow(request.url, {}, { stopAt: isRpRedirect });
  const back = await loginAtPsc(browser, login.page!, { practitioner: '810102345672', means: 'card' });
  assert.equal(back.stoppedAt, undefined, 'the clinician does not reach the application signed in');
  const page = back.page!;
  assert.equal(page.status, 400, `the PSC error page, not a 5xx (got ${page.status})`);
  assert.match(page.text, /Pro Santé Connect/);
  assert.match(page.text, /n'a pas passé les contrôles de sécurité/);
  const events = await auditTypes(stack);
  assert.ok(
    events.some((e) => e.type === 'psc.failed' && e.reason === 'invalid-response'),
    `psc.failed recorded: ${JSON.stringify(events)}`,
  );
  assert.ok(!events.some((e) => e.type === 'psc.verified'), 'nothing verified');
  const landing = await browser.submit(page, 'form[action$="/abort"]', {}, { stopAt: isRpRedirect });
  assert.equal(landing.stoppedAt?.searchParams.get('error'), 'access_denied');
  assert.equal(await stack.store.get(createKeyNames(stack.prefix).account('810102345672')), null, 'no account created');
}

describe('tls_client_auth with a certificate from another CA', () => {
  let stack: Stack;
  beforeAll(async () => {
    const foreign = pki.ca('other-ca').issue('gateway-foreign-ca', REGISTERED_SUBJECT);
    stack = await mtlsStack('psc-mtls-foreign', () => foreign);
  });
  afterAll(async () => {
    await stack.close();
  });

  it('is refused by PSC: French error page, psc.failed, access_denied', async () => {
    await refusedAtTokenEndpoint(stack);
  });
});

describe('tls_client_auth with a certificate whose subject is not the registered one', () => {
  let stack: Stack;
  beforeAll(async () => {
    const other = ca.issue('gateway-other-subject', '/C=FR/O=CH de Demonstration/OU=DSI/CN=another-service');
    stack = await mtlsStack('psc-mtls-subject', () => other);
  });
  afterAll(async () => {
    await stack.close();
  });

  it('is refused by PSC: French error page, psc.failed, access_denied', async () => {
    await refusedAtTokenEndpoint(stack);
  });
});

describe('start-up with tls_client_auth and bad certificate files', () => {
  async function exit(env: Record<string, string>) {
    const run = spawnMain({ PORT: String(await freePort()), KEYS_DIR: join(pki.dir, 'keys'), LOG_LEVEL: 'warn', ...env });
    // A gateway that starts anyway is stopped: the test then fails on the exit code.
    const timer = setTimeout(() => void run.stop('SIGKILL'), 15_000);
    const code = await new Promise<number | null>((resolve) => run.child.once('exit', resolve));
    clearTimeout(timer);
    return { code, out: run.output() };
  }

  it('names the missing file and its variable, exit code 2, no stack trace', async () => {
    const gateway = ca.issue('gateway-startup', REGISTERED_SUBJECT);
    const { code, out } = await exit({
      SANDBOX: 'false',
      PSC_AUTH_METHOD: 'tls_client_auth',
      PSC_TLS_CERT_FILE: join(pki.dir, 'absent.crt'),
      PSC_TLS_KEY_FILE: gateway.keyFile,
    });
    assert.equal(code, 2, out);
    assert.match(out, /^config: psc\.tls\.certFile \(PSC_TLS_CERT_FILE\) = ".*absent\.crt" — expected a readable PEM file \(no such file\)$/m);
    assert.doesNotMatch(out, /\bat .+:\d+:\d+\)?$/m, 'no stack trace');
  });

  it("refuses a key that is not the certificate's, and never prints a key", async () => {
    const gateway = ca.issue('gateway-startup-2', REGISTERED_SUBJECT);
    const stranger = ca.issue('stranger', '/CN=stranger');
    const notPem = join(pki.dir, 'not-pem.key');
    writeFileSync(notPem, 'this is not a key\n');
    const mismatch = await exit({
      SANDBOX: 'false',
      PSC_AUTH_METHOD: 'tls_client_auth',
      PSC_TLS_CERT_FILE: gateway.certFile,
      PSC_TLS_KEY_FILE: stranger.keyFile,
    });
    assert.equal(mismatch.code, 2, mismatch.out);
    assert.match(
      mismatch.out,
      /^config: psc\.tls\.keyFile \(PSC_TLS_KEY_FILE\) = .* — expected the private key of the certificate in PSC_TLS_CERT_FILE .*belongs to another certificate$/m,
    );
    const garbage = await exit({ SANDBOX: 'false', PSC_AUTH_METHOD: 'tls_client_auth', PSC_TLS_CERT_FILE: gateway.certFile, PSC_TLS_KEY_FILE: notPem });
    assert.equal(garbage.code, 2, garbage.out);
    assert.match(garbage.out, /^config: psc\.tls\.keyFile \(PSC_TLS_KEY_FILE\) = .* — expected a PEM private key .*this file has none$/m);
    for (const out of [mismatch.out, garbage.out]) {
      assert.doesNotMatch(out, /PRIVATE KEY-----\n|this is not a key/, 'no file content printed');
      assert.doesNotMatch(out, /\bat .+:\d+:\d+\)?$/m, 'no stack trace');
    }
  });

  it('says that the sandbox simulator of npm start does not speak mutual TLS', async () => {
    const gateway = ca.issue('gateway-startup-3', REGISTERED_SUBJECT);
    const { code, out } = await exit({
      SANDBOX_PSC_PORT: String(await freePort()),
      PSC_AUTH_METHOD: 'tls_client_auth',
      PSC_TLS_CERT_FILE: gateway.certFile,
      PSC_TLS_KEY_FILE: gateway.keyFile,
    });
    assert.equal(code, 2, out);
    assert.match(
      out,
      /^config: psc\.authMethod \(PSC_AUTH_METHOD\) = "tls_client_auth" — expected client_secret_basic or client_secret_post with the sandbox's PSC simulator/m,
    );
  });
});
