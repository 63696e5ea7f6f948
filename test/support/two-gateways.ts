/**
 * Two gateway processes (`node src/main.ts`) on the shared test Redis under a unique key
 * prefix, behind the round-robin proxy (./round-robin-proxy.ts), whose address is the issuer.
 * Around them: a keys directory (loadKeys), a clients.json with one first-party relying party
 * whose secret comes from an environment variable, and the PSC simulator with the gateway's
 * `${issuer}/federation/psc/callback` registered. Resolves once both instances are ready;
 * close() stops everything, deletes the Redis keys and the directory.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadKeys } from '../../src/signing-keys/load.ts';
import { startPscSimulator, type PscSimulator } from '../../src/sandbox/psc/index.ts';
import { deletePrefix, uniquePrefix } from './redis.ts';
import { freePort } from './ports.ts';
import { mainEnv, spawnMain, waitUntilReady, type GatewayProcess } from './processes.ts';
import { startRoundRobinProxy } from './round-robin-proxy.ts';
import * as client from 'openid-client';
import { RP_REDIRECT } from './stack.ts';

export interface TwoGateways {
  /** The proxy's address, the issuer both instances announce. */
  issuer: string;
  proxy: Awaited<ReturnType<typeof startRoundRobinProxy>>;
  gateways: GatewayProcess[];
  /** The instances' own ports, in the order of `gateways`. */
  ports: number[];
  psc: PscSimulator;
  /** The relying party's client secret. */
  rpSecret: string;
  close(): Promise<void>;
}

export async function startTwoGateways(options: {
  /** Names the Redis key prefix and the temporary directory. */
  name: string;
  clientId: string;
  clientName?: string;
  /** Added to (or overriding) each instance's environment. */
  env?: Record<string, string>;
}): Promise<TwoGateways> {
  const { name, clientId, clientName = `RP ${clientId}`, env = {} } = options;
  const prefix = uniquePrefix(name);
  const dir = mkdtempSync(join(tmpdir(), `hc-${name}-`));
  const rpSecret = randomBytes(32).toString('base64url');
  const pscSecret = randomBytes(32).toString('base64url');
  const secretEnv = `${clientId.toUpperCase().replace(/-/g, '_')}_SECRET`;
  let proxy: TwoGateways['proxy'] | undefined;
  let psc: PscSimulator | undefined;
  let gateways: GatewayProcess[] = [];

  async function close() {
    await proxy?.close();
    for (const g of gateways) await g.stop();
    await psc?.close();
    await deletePrefix(prefix);
    rmSync(dir, { recursive: true, force: true });
  }

  try {
    proxy = await startRoundRobinProxy();
    const issuer = `http://localhost:${proxy.port}`;
    const ports = [await freePort(), await freePort()];
    await loadKeys({ dir, createIfMissing: true });
    writeFileSync(
      join(dir, 'clients.json'),
      JSON.stringify([
        {
          client_id: clientId,
          client_name: clientName,
          first_party: true,
          redirect_uris: [RP_REDIRECT],
          client_secret_env: secretEnv,
        },
      ]),
    );
    psc = await startPscSimulator({
      port: 0,
      clients: [{ client_id: 'hospiconnect-gateway', client_secret: pscSecret, redirect_uris: [`${issuer}/federation/psc/callback`] }],
    });
    const pscIssuer = psc.issuer;
    gateways = ports.map((port) => spawnMain(mainEnv({ issuer, port, prefix, dir, pscIssuer, pscSecret }, { [secretEnv]: rpSecret, ...env })));
    await Promise.all(ports.map((p) => waitUntilReady(`http://localhost:${p}`))).catch((err: Error) => {
      throw new Error(`${err.message}\n${gateways.map((g) => g.output()).join('\n---\n')}`);
    });
    proxy.setBackends(ports);
    return { issuer, proxy, gateways, ports, psc, rpSecret, close };
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}

/** The relying party's authorization request through the proxy (openid-client, PKCE, nonce). */
export async function rpAuthorization(two: TwoGateways, clientId: string) {
  const config = await client.discovery(new URL(two.issuer), clientId, {}, client.ClientSecretBasic(two.rpSecret), { execute: [client.allowInsecureRequests] });
  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: RP_REDIRECT,
    scope: 'openid profile scope_all',
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  return { config, url, checks: { pkceCodeVerifier: verifier, expectedNonce: nonce, idTokenExpected: true } };
}
