/**
 * docker/Dockerfile and docker/compose.yml, read (`npm test` runs no container engine;
 * scripts/container-test.sh builds and runs them in CI): what a typo would break. Every
 * environment variable they give the gateway is one its configuration knows (src/config/env.ts),
 * and together they make a valid configuration; the image runs as a non-root user without dev
 * dependencies, with a health check; keys and relying parties are mounted read-only; Redis
 * persists with AOF. The defects that running them found (issue 19) stay fixed here too: a
 * bounded restart policy, a metrics allow-list without the bridge's gateway, one owner of HSTS,
 * a file Debian's docker-compose 1.29 reads. The image runs the gateway with the node options of
 * `npm start` (package.json's start script is the one place they are written).
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ENV_VARIABLES, LAUNCHER_VARIABLES, loadConfig } from '../../src/config/index.ts';
import { networkMatcher } from '../../src/http/networks.ts';
import { START_ENTRY, startNodeOptions } from '../../bench/start-script.ts';

const KNOWN = new Set<string>([...Object.keys(ENV_VARIABLES), ...LAUNCHER_VARIABLES]);
const dockerfile = readFileSync('docker/Dockerfile', 'utf8');
const caddyfile = readFileSync('docker/Caddyfile', 'utf8');
const composeText = readFileSync('docker/compose.yml', 'utf8');
const compose = parse(composeText, { merge: true }) as {
  services: Record<
    string,
    {
      image?: string;
      build?: { dockerfile?: string };
      environment?: Record<string, string | number | boolean> | string[];
      env_file?: string[];
      volumes?: string[];
      command?: string[];
      profiles?: string[];
      read_only?: boolean;
      restart?: string;
      ports?: string[];
      networks?: string[] | Record<string, { ipv4_address?: string }>;
    }
  >;
  networks?: Record<string, { ipam?: { config?: { subnet?: string; gateway?: string; ip_range?: string }[] } }>;
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
/**
 * Compose's variable substitution: ${NAME:?…} and ${NAME} take `values` (a plausible value must be
 * given), ${NAME:-default} takes `values` or its default.
 */
function substitute(value: string, values: Record<string, string> = OPERATOR_VALUES): string {
  return value.replace(/\$\{([A-Z_]+)(?::\?[^}]*|:-([^}]*))?\}/g, (_, name: string, fallback: string | undefined) => {
    if (values[name] !== undefined) return values[name]!;
    assert.ok(fallback !== undefined, `compose refers to \${${name}}: give the test a plausible value`);
    return fallback;
  });
}
const substituteAll = (env: Record<string, string>, values?: Record<string, string>) =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, substitute(v, values)]));

const gatewayServices = Object.entries(compose.services).filter(([, s]) => s.image === 'hospiconnect-gateway' || s.build?.dockerfile === 'docker/Dockerfile');

describe('docker/Dockerfile and docker/compose.yml', () => {
  it('give the gateway only environment variables its configuration knows', () => {
    assert.ok(gatewayServices.length >= 3, 'two production instances and the sandbox');
    const unknown = Object.keys(dockerfileEnv(dockerfile))
      .filter((name) => !KNOWN.has(name))
      .map((n) => `Dockerfile: ${n}`);
    for (const [name, service] of gatewayServices) {
      unknown.push(
        ...Object.keys(environmentOf(service))
          .filter((n) => !KNOWN.has(n))
          .map((n) => `${name}: ${n}`),
      );
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
      assert.ok(
        volumes.some((v) => v.endsWith(':/run/hospiconnect/keys:ro')),
        `${name}: keys read-only`,
      );
      assert.ok(
        volumes.some((v) => v.endsWith(':/etc/hospiconnect/clients.json:ro')),
        `${name}: clients read-only`,
      );
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

  it("runs the gateway as npm start does: the start script's node options (heap limits), in exec form", () => {
    // The HEALTHCHECK's own CMD is a continuation line, indented: not matched here.
    const commands = [...dockerfile.matchAll(/^CMD (.+)$/gm)].map((match) => match[1]!);
    assert.equal(commands.length, 1, 'one CMD in the Dockerfile');
    const command = JSON.parse(commands[0]!) as string[]; // JSON (exec form): node is the container's process and gets SIGTERM itself, no shell between
    assert.equal(command[0], 'node');
    assert.equal(command.at(-1), START_ENTRY);
    assert.deepEqual(command.slice(1, -1), startNodeOptions(), "the Dockerfile's node options are package.json's start script's");
  });

  it('runs Redis with AOF and without eviction; the sandbox only in its profile', () => {
    const command = compose.services.redis!.command!.join(' ');
    assert.match(command, /--appendonly yes/);
    assert.match(command, /--maxmemory-policy noeviction/);
    assert.deepEqual(compose.services.sandbox!.profiles, ['sandbox']);
    assert.equal(environmentOf(compose.services.sandbox!).NODE_ENV, 'development');
  });

  it('publishes each sandbox peer on the port of its URL, the same number inside and out (default ports or moved ones)', () => {
    const sandbox = compose.services.sandbox!;
    const moved = {
      SANDBOX_GATEWAY_PORT: '13000',
      SANDBOX_PSC_PORT: '13001',
      SANDBOX_DPI_PORT: '13002',
      SANDBOX_DMP_PORT: '13003',
      SANDBOX_NATIONAL_PORT: '13004',
    };
    for (const [values, first] of [
      [{}, 3000],
      [moved, 13000],
    ] as const) {
      const config = loadConfig({ env: { ...dockerfileEnv(dockerfile), ...substituteAll(environmentOf(sandbox), values) } });
      const ports = (sandbox.ports ?? []).map((p) => substitute(p, values));
      assert.equal(config.sandbox.host, '0.0.0.0', "the peers listen on the container's interfaces");
      const peers = [
        ['ISSUER', config.issuer, config.http.port],
        ['SANDBOX_PSC_URL', config.sandbox.pscUrl, config.sandbox.pscPort],
        ['SANDBOX_DPI_URL', config.sandbox.dpiUrl, config.sandbox.dpiPort],
        ['SANDBOX_DMP_URL', config.sandbox.dmpUrl, config.sandbox.dmpPort],
        ['SANDBOX_NATIONAL_URL', config.sandbox.nationalUrl, config.sandbox.nationalPort],
      ] as const;
      assert.deepEqual(
        peers.map(([, , port]) => port),
        [first, first + 1, first + 2, first + 3, first + 4],
        'the ports that were set',
      );
      for (const [name, url, port] of peers) {
        assert.equal(new URL(url).hostname, 'localhost', `${name}: people on the docker host reach it on localhost`);
        assert.equal(Number(new URL(url).port), port, `${name}: the URL's port is the one it listens on (the gateway reaches it there inside the container)`);
        assert.ok(ports.includes(`${port}:${port}`), `${name}: port ${port} published as ${port}:${port}`);
      }
    }
  });

  it("lets Debian's docker-compose 1.29 read the file (no top-level name:, which it refuses)", () => {
    assert.doesNotMatch(composeText, /^name:/m, 'the project name comes from -p or COMPOSE_PROJECT_NAME');
  });

  it('gives up on a gateway that cannot start instead of restarting it forever (on-failure with a bound)', () => {
    for (const name of ['gateway-1', 'gateway-2']) {
      const policy = compose.services[name]!.restart ?? '';
      const match = /^on-failure:(\d+)$/.exec(policy);
      assert.ok(match, `${name}: restart: on-failure:N, not "${policy}" (exit code 2 on a configuration error would restart forever)`);
      assert.ok(Number(match[1]) >= 1 && Number(match[1]) <= 5, `${name}: a few retries for a crash, not a loop`);
    }
    assert.match(dockerfile, /^STOPSIGNAL SIGTERM$/m, 'docker stop sends SIGTERM, after which the gateway exits 143 (restarted at boot by on-failure)');
  });

  it("keeps the metrics allow-list clear of the bridge's gateway and of the proxy (requests through Caddy need the token)", () => {
    const [network] = Object.values(compose.networks ?? {});
    const subnet = network?.ipam?.config?.[0]?.subnet;
    assert.ok(subnet, 'the internal network has a fixed subnet');
    const [base] = subnet.split('/') as [string];
    const bridgeGateway = network!.ipam!.config![0]!.gateway ?? base.replace(/\.0$/, '.1');
    const proxyNetworks = compose.services.proxy!.networks as Record<string, { ipv4_address?: string }>;
    const proxyAddress = Object.values(proxyNetworks)[0]!.ipv4_address!;
    for (const name of ['gateway-1', 'gateway-2']) {
      const env = environmentOf(compose.services[name]!);
      const allowed = networkMatcher(
        (env.METRICS_ALLOW ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      );
      assert.equal(
        allowed(bridgeGateway),
        false,
        `${name}: METRICS_ALLOW must not admit ${bridgeGateway}, the address every connection published from the docker host arrives from`,
      );
      assert.equal(allowed(proxyAddress), false, `${name}: nor the proxy ${proxyAddress}`);
      assert.equal(env.TRUST_PROXY, proxyAddress, `${name}: only the proxy may set X-Forwarded-For`);
    }
  });

  it('hands containers without a fixed address only usable host addresses, clear of the fixed ones', () => {
    // podman's netavark (4.3) leases up to the last address of ip_range; when that is the subnet's
    // broadcast address, the container that gets it has no network ("network is unreachable"),
    // which CI saw after enough re-creations of gateway-1.
    const config = Object.values(compose.networks ?? {})[0]?.ipam?.config?.[0];
    assert.ok(config?.subnet && config.ip_range, 'the internal network has a subnet and a range for dynamic addresses');
    const [subnetBase, subnetBits] = config.subnet.split('/') as [string, string];
    const [rangeBase, rangeBits] = config.ip_range.split('/') as [string, string];
    const toInt = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
    const size = (bits: string) => 2 ** (32 - Number(bits));
    const subnet = { first: toInt(subnetBase), last: toInt(subnetBase) + size(subnetBits) - 1 };
    const range = { first: toInt(rangeBase), last: toInt(rangeBase) + size(rangeBits) - 1 };
    assert.ok(
      range.first > subnet.first && range.last < subnet.last,
      `${config.ip_range} must hold neither the network address nor the broadcast address of ${config.subnet}`,
    );
    const fixed = [
      config.gateway!,
      ...Object.values(compose.services).flatMap((service) =>
        Array.isArray(service.networks)
          ? []
          : Object.values(service.networks ?? {})
              .map((n) => n.ipv4_address)
              .filter((a): a is string => !!a),
      ),
    ];
    for (const address of fixed) assert.ok(toInt(address) < range.first || toInt(address) > range.last, `${address} (fixed) is outside ${config.ip_range}`);
    const environment = environmentOf(compose.services['gateway-1']!);
    const monitoring = networkMatcher(
      (environment.METRICS_ALLOW ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
    for (const probe of [range.first, range.last]) {
      const address = [24, 16, 8, 0].map((shift) => (probe >>> shift) & 255).join('.');
      assert.equal(monitoring(address), false, `a dynamic address (${address}) is not in the monitoring range`);
    }
  });

  it('has Caddy close idle connections to the gateways before the gateways would (no request sent on a closing connection)', () => {
    const keepalive = /^\s*keepalive\s+(\d+)s\s*$/m.exec(caddyfile.replace(/#.*$/gm, ''));
    assert.ok(keepalive, 'the reverse proxy sets its upstream keepalive (Caddy keeps idle connections 2 minutes by default)');
    for (const [name, service] of gatewayServices.filter(([n]) => n.startsWith('gateway-'))) {
      const env = { ...dockerfileEnv(dockerfile), ...Object.fromEntries(Object.entries(environmentOf(service)).map(([k, v]) => [k, substitute(v)])) };
      Object.assign(env, { PSC_CLIENT_SECRET: 'x'.repeat(40), AUDIT_MAC_KEY: 'm'.repeat(43) });
      const gatewaySeconds = loadConfig({ env }).http.keepAliveSeconds;
      assert.ok(Number(keepalive[1]) < gatewaySeconds, `Caddy ${keepalive[1]} s, ${name} ${gatewaySeconds} s`);
    }
  });

  it('leaves HSTS to the gateway: Caddy does not add a second Strict-Transport-Security', () => {
    assert.doesNotMatch(caddyfile.replace(/#.*$/gm, ''), /strict-transport-security/i, 'helmet sends it in production (src/http/security-headers.ts)');
  });
});
