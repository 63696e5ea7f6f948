/**
 * docker/Dockerfile and docker/compose.yml cannot be run here (no Docker engine): this reads
 * them and checks what a typo would break. Every environment variable they give the gateway
 * is one its configuration knows (src/config/env.ts), and together they make a valid
 * configuration; the image runs as a non-root user without dev dependencies, with a health
 * check; keys and relying parties are mounted read-only; Redis persists with AOF.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ENV_VARIABLES, LAUNCHER_VARIABLES, loadConfig } from '../../src/config/index.ts';

const KNOWN = new Set<string>([...Object.keys(ENV_VARIABLES), ...LAUNCHER_VARIABLES]);
const dockerfile = readFileSync('docker/Dockerfile', 'utf8');
const compose = parse(readFileSync('docker/compose.yml', 'utf8'), { merge: true }) as {
  services: Record<string, { image?: string; build?: { dockerfile?: string }; environment?: Record<string, string | number | boolean> | string[]; env_file?: string[]; volumes?: string[]; command?: string[]; profiles?: string[]; read_only?: boolean }>;
  volumes?: Record<string, unknown>;
};

/** ENV instructions of the final stage, continuation lines joined: name -> value. */
function dockerfileEnv(text: string): Record<string, string> {
  const finalStage = text.slice(text.lastIndexOf('\nFROM '));
  const joined = finalStage.replace(/\\\n\s*/g, ' ');
  const env: Record<string, string> = {};
  for (const line of joined.split('\n')) {
    const match = /^ENV\s+(.*)$/.exec(line.trim());
    if (!match) continue;
    for (const pair of match[1]!.trim().split(/\s+/)) {
      const [name, ...value] = pair.split('=');
      env[name!] = value.join('=');
    }
  }
  return env;
}

function environmentOf(service: { environment?: Record<string, string | number | boolean> | string[] }): Record<string, string> {
  const raw = service.environment ?? {};
  if (Array.isArray(raw)) return Object.fromEntries(raw.map((entry) => [entry.split('=')[0]!, entry.split('=').slice(1).join('=')]));
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]));
}

/** What an operator supplies: ${NAME:?…} and ${NAME} replaced by plausible values. */
const OPERATOR_VALUES: Record<string, string> = {
  PUBLIC_HOST: 'hospiconnect.chu-exemple.fr',
  PSC_ISSUER: 'https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet',
  PSC_CLIENT_ID: 'chu-exemple-hospiconnect',
};
function substitute(value: string): string {
  return value.replace(/\$\{([A-Z_]+)(?::\?[^}]*)?\}/g, (_, name: string) => {
    assert.ok(OPERATOR_VALUES[name], `compose refers to \${${name}}: give the test a plausible value`);
    return OPERATOR_VALUES[name]!;
  });
}

const gatewayServices = Object.entries(compose.services).filter(([, s]) => s.image === 'hospiconnect-gateway' || s.build?.dockerfile === 'docker/Dockerfile');

describe('docker/Dockerfile and docker/compose.yml', () => {
  it('give the gateway only environment variables its configuration knows', () => {
    assert.ok(gatewayServices.length >= 3, 'two production instances and the sandbox');
    const unknown = Object.keys(dockerfileEnv(dockerfile)).filter((name) => !KNOWN.has(name)).map((n) => `Dockerfile: ${n}`);
    for (const [name, service] of gatewayServices) {
      unknown.push(...Object.keys(environmentOf(service)).filter((n) => !KNOWN.has(n)).map((n) => `${name}: ${n}`));
    }
    assert.deepEqual(unknown, []);
  });

  it('make a valid configuration for each gateway service (production refusals included)', () => {
    for (const [name, service] of gatewayServices) {
      const env = { ...dockerfileEnv(dockerfile), ...Object.fromEntries(Object.entries(environmentOf(service)).map(([k, v]) => [k, substitute(v)])) };
      // The secrets come from secrets/gateway.env (not in the repository), as compose.yml's header lists them.
      if (service.env_file?.length) Object.assign(env, { PSC_CLIENT_SECRET: 'x'.repeat(40), AUDIT_MAC_KEY: 'm'.repeat(43) });
      const config = loadConfig({ env });
      assert.equal(config.http.host, '0.0.0.0', `${name} listens on the container's interfaces`);
      if (name.startsWith('gateway-')) {
        assert.equal(config.env, 'production', name);
        assert.equal(config.redis.url, 'redis://redis:6379', name);
        assert.ok(config.http.trustProxy, `${name} trusts the proxy`);
      }
    }
    assert.equal(environmentOf(compose.services['gateway-1']!).INSTANCE_ID, 'gateway-1');
    assert.equal(environmentOf(compose.services['gateway-2']!).INSTANCE_ID, 'gateway-2');
  });

  it('mount keys and relying parties read-only in the production instances', () => {
    for (const name of ['gateway-1', 'gateway-2']) {
      const volumes = compose.services[name]!.volumes ?? [];
      assert.ok(volumes.some((v) => v.endsWith(':/run/hospiconnect/keys:ro')), `${name}: keys read-only`);
      assert.ok(volumes.some((v) => v.endsWith(':/etc/hospiconnect/clients.json:ro')), `${name}: clients read-only`);
    }
    const image = dockerfileEnv(dockerfile);
    assert.equal(image.KEYS_DIR, '/run/hospiconnect/keys');
    assert.equal(image.CLIENTS_FILE, '/etc/hospiconnect/clients.json');
  });

  it('give the audit export folder a writable volume on the read-only root file system', () => {
    const exportDir = dockerfileEnv(dockerfile).AUDIT_EXPORT_DIR;
    assert.ok(exportDir?.startsWith('/'), 'an absolute AUDIT_EXPORT_DIR in the image');
    assert.match(dockerfile, new RegExp(`chown node:node ${exportDir}`), 'owned by the user the gateway runs as');
    for (const name of ['gateway-1', 'gateway-2']) {
      const service = compose.services[name]!;
      assert.equal(service.read_only, true, `${name}: read-only root file system`);
      const mount = (service.volumes ?? []).find((v) => v.split(':')[1] === exportDir);
      assert.ok(mount && !mount.endsWith(':ro'), `${name}: a writable volume at ${exportDir}`);
      assert.ok(Object.hasOwn(compose.volumes ?? {}, mount.split(':')[0]!), `${name}: a named volume (kept across restarts)`);
    }
  });

  it('builds a non-root image without dev dependencies, with a health check, from files that exist', () => {
    assert.match(dockerfile, /^FROM node:24-[a-z]+-slim AS deps$/m, 'Node 24 slim');
    assert.match(dockerfile, /npm ci --omit=dev/, 'no dev dependencies');
    assert.match(dockerfile, /^USER node$/m, 'non-root');
    assert.match(dockerfile, /^HEALTHCHECK .*\n?.*\/healthz/m, 'health check on /healthz');
    for (const match of dockerfile.matchAll(/^COPY (?!--from)(?:--chown=\S+ )?(.+) \S+$/gm)) {
      for (const source of match[1]!.split(' ')) assert.ok(existsSync(source), `COPY source ${source} exists`);
    }
  });

  it('runs Redis with AOF and without eviction; the sandbox only in its profile', () => {
    const command = compose.services.redis!.command!.join(' ');
    assert.match(command, /--appendonly yes/);
    assert.match(command, /--maxmemory-policy noeviction/);
    assert.deepEqual(compose.services.sandbox!.profiles, ['sandbox']);
    assert.equal(environmentOf(compose.services.sandbox!).NODE_ENV, 'development');
  });

  it('publishes each sandbox peer on the port of its URL, the same number inside and out', () => {
    const sandbox = compose.services.sandbox! as { ports?: string[] };
    const config = loadConfig({ env: { ...dockerfileEnv(dockerfile), ...environmentOf(compose.services.sandbox!) } });
    assert.equal(config.sandbox.host, '0.0.0.0', 'the peers listen on the container\'s interfaces');
    const peers = [
      ['ISSUER', config.issuer, config.http.port], ['SANDBOX_PSC_URL', config.sandbox.pscUrl, config.sandbox.pscPort],
      ['SANDBOX_DPI_URL', config.sandbox.dpiUrl, config.sandbox.dpiPort], ['SANDBOX_DMP_URL', config.sandbox.dmpUrl, config.sandbox.dmpPort],
    ] as const;
    for (const [name, url, port] of peers) {
      assert.equal(new URL(url).hostname, 'localhost', `${name}: people on the docker host reach it on localhost`);
      assert.equal(Number(new URL(url).port), port, `${name}: the URL's port is the one it listens on (the gateway reaches it there inside the container)`);
      assert.ok(sandbox.ports?.includes(`${port}:${port}`), `${name}: port ${port} published as ${port}:${port}`);
    }
  });
});
