/**
 * The PSC simulator over HTTPS with mutual TLS (tls_client_auth, RFC 8705), with a throwaway
 * openssl PKI: discovery advertises the method and Keycloak's mtls_endpoint_aliases; the token
 * endpoint authenticates a client by a certificate from the given CA with the registered
 * subject DN, and refuses none, another CA's, or another subject's, saying why in its log.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { Agent, fetch as undiciFetch } from 'undici';
import { startPscSimulator, ENDPOINTS, type PscSimulator } from '../../src/sandbox/psc/index.ts';
import { dnParts, subjectMatches } from '../../src/sandbox/psc/mtls.ts';
import { createTestPki, type PemPair, type TestCa, type TestPki } from '../support/test-pki.ts';

const REDIRECT_URI = 'http://localhost:65000/federation/psc/callback';
const SUBJECT_DN = 'CN=hospiconnect-gateway,OU=DSI,O=CH de Demonstration,C=FR';

let pki: TestPki;
let ca: TestCa;
let sim: PscSimulator;
const warnings: Array<Record<string, unknown>> = [];
const agents: Agent[] = [];

beforeAll(async () => {
  pki = createTestPki();
  ca = pki.ca('sim-ca');
  const server = ca.issue('sim-server', '/CN=localhost', { serverNames: ['localhost', '127.0.0.1', '::1'] });
  sim = await startPscSimulator({
    port: 0,
    tls: { cert: server.cert, key: server.key, clientCa: ca.cert },
    clients: [
      {
        client_id: 'hospiconnect-gateway',
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: SUBJECT_DN,
      },
    ],
    logger: {
      info() {},
      error() {},
      warn: (fields: Record<string, unknown>) => {
        warnings.push(fields);
      },
    },
  });
});
afterAll(async () => {
  await sim.close();
  for (const agent of agents) await agent.close();
  pki.remove();
});

/** A request to the simulator presenting `certificate` (or none), trusting the test CA. */
function caller(certificate?: PemPair) {
  const agent = new Agent({ connect: { ca: ca.cert, ...(certificate ? { cert: certificate.cert, key: certificate.key } : {}) } });
  agents.push(agent);
  return (url: string, init: Parameters<typeof undiciFetch>[1] = {}) => undiciFetch(url, { ...init, dispatcher: agent });
}

/** A token request with a made-up code: authentication is decided before the code is looked at. */
async function tokenRequest(certificate?: PemPair) {
  warnings.length = 0;
  const response = await caller(certificate)(`${sim.issuer}${ENDPOINTS.token}`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'authorization_code', code: 'made-up', redirect_uri: REDIRECT_URI, client_id: 'hospiconnect-gateway' }),
  });
  const body = (await response.json()) as { error: string };
  return { status: response.status, error: body.error, detail: warnings.find((w) => w.event === 'grant.error')?.error_detail };
}

describe('PSC simulator with mutual TLS', () => {
  it("serves HTTPS and advertises tls_client_auth with Keycloak's mtls_endpoint_aliases", async () => {
    assert.match(sim.issuer, /^https:\/\/localhost:\d+\/auth\/realms\/esante-wallet$/);
    const meta = (await (await caller()(`${sim.issuer}/.well-known/wallet-openid-configuration`)).json()) as Record<string, unknown>;
    assert.ok((meta.token_endpoint_auth_methods_supported as string[]).includes('tls_client_auth'));
    assert.deepEqual(meta.mtls_endpoint_aliases, {
      token_endpoint: `${sim.issuer}${ENDPOINTS.token}`,
      userinfo_endpoint: `${sim.issuer}${ENDPOINTS.userinfo}`,
      introspection_endpoint: `${sim.issuer}${ENDPOINTS.introspection}`,
      revocation_endpoint: `${sim.issuer}${ENDPOINTS.revocation}`,
    });
  });

  it('authenticates the certificate of its CA with the registered subject', async () => {
    const result = await tokenRequest(ca.issue('registered', '/C=FR/O=CH de Demonstration/OU=DSI/CN=hospiconnect-gateway'));
    assert.equal(result.error, 'invalid_grant', 'past client authentication, the made-up code is refused');
  });

  it("refuses no certificate, another CA's, and another subject's", async () => {
    assert.deepEqual(await tokenRequest(), { status: 401, error: 'invalid_client', detail: 'client certificate was not provided' });
    const foreign = pki.ca('foreign-ca').issue('foreign', '/C=FR/O=CH de Demonstration/OU=DSI/CN=hospiconnect-gateway');
    assert.deepEqual(await tokenRequest(foreign), { status: 401, error: 'invalid_client', detail: 'client certificate was not verified' });
    const otherSubject = ca.issue('other-subject', '/C=FR/O=CH de Demonstration/OU=DSI/CN=someone-else');
    assert.deepEqual(await tokenRequest(otherSubject), {
      status: 401,
      error: 'invalid_client',
      detail: 'certificate subject value does not match the registered one',
    });
  });

  it('lets a browser without a certificate open the login pages', async () => {
    const response = await caller()(
      `${sim.issuer}${ENDPOINTS.authorization}?client_id=hospiconnect-gateway&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`,
      { redirect: 'manual' },
    );
    assert.equal(response.status, 303);
    assert.match(response.headers.get('location') ?? '', /\/interaction\//);
  });

  it('refuses to register a tls_client_auth client without HTTPS or a subject DN', async () => {
    const client = {
      client_id: 'gw',
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'tls_client_auth' as const,
      tls_client_auth_subject_dn: SUBJECT_DN,
    };
    await assert.rejects(startPscSimulator({ port: 0, clients: [client] }), /tls_client_auth needs options\.tls/);
    await assert.rejects(
      startPscSimulator({ port: 0, clients: [{ ...client, tls_client_auth_subject_dn: '' }] }),
      /tls_client_auth needs tls_client_auth_subject_dn/,
    );
  });
});

describe('subject DN comparison', () => {
  it("reads RFC 4514 (last RDN first) against the certificate's order, types case-insensitive", () => {
    const cert = new X509Certificate(ca.issue('dn', '/C=FR/O=CH de Démonstration, Site Nord/OU=DSI/CN=hospiconnect-gateway+serialNumber=R10').cert);
    assert.deepEqual(dnParts(cert.subject, 'certificate'), ['C=FR', 'O=CH de Démonstration, Site Nord', 'OU=DSI', 'CN=hospiconnect-gateway+SERIALNUMBER=R10']);
    assert.equal(subjectMatches(cert, 'CN=hospiconnect-gateway+serialNumber=R10,OU=DSI,O=CH de Démonstration\\, Site Nord,C=FR'), true);
    assert.equal(
      subjectMatches(cert, 'serialNumber=R10 + cn=hospiconnect-gateway, ou=DSI, o=CH de D\\C3\\A9monstration\\, Site Nord, c=FR'),
      true,
      'spaces, case of types, hex escapes, order inside an RDN',
    );
    assert.equal(
      subjectMatches(cert, 'C=FR,O=CH de Démonstration\\, Site Nord,OU=DSI,CN=hospiconnect-gateway+serialNumber=R10'),
      false,
      'the order of RDNs matters',
    );
    assert.equal(subjectMatches(cert, 'CN=hospiconnect-gateway+serialNumber=R10,OU=DSI,C=FR'), false, 'every RDN counts');
    assert.equal(subjectMatches(cert, 'CN=hospiconnect-gateway,OU=DSI,O=CH de Démonstration\\, Site Nord,C=FR'), false, 'every attribute counts');
    assert.equal(
      subjectMatches(cert, 'CN=hospiconnect-gateway+serialNumber=R10,OU=DSI,O=CH de Demonstration\\, Site Nord,C=FR'),
      false,
      'values are compared exactly',
    );
  });
});
