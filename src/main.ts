/**
 * Entry point (`npm start`): loads the configuration (a bad value stops start-up with exit
 * code 2 and one line per problem), starts the gateway and, outside production, the
 * sandbox peers. SIGINT/SIGTERM stop everything cleanly: no new connections, requests in
 * flight finish (at most 10 s), then Redis is closed; a second signal stops at once. Exit codes:
 * 2 configuration (nothing to retry), 143 stopped by SIGTERM (what a supervisor sends: Docker's
 * `on-failure` policy then starts it again when the host restarts), 0 after Ctrl-C, 1 otherwise.
 */
import { ConfigError, formatProblem, loadConfig, type Config } from './config/index.ts';
import { KeyFileError } from './signing-keys/load.ts';
import { createLogger } from './logging/logger.ts';
import { startGateway } from './gateway.ts';
import { checkSandboxUrls, loadSandboxClients, prepareSandboxSecrets, startDemoApps, startPscSandbox } from './sandbox/launch.ts';
import type { ClientMetadata } from './oidc/index.ts';

interface Closable {
  close(): Promise<void>;
}

/** How long requests in flight may run once a stop is asked (the gateway's drain period). */
const DRAIN_SECONDS = 10;

/**
 * Exit code of a clean stop: 128 + 15 after SIGTERM, as a process ended by the signal reports,
 * so that `restart: on-failure` (docker/compose.yml) counts a stop by the Docker daemon at
 * shutdown as one to undo at boot (a 0 would leave the gateway down after a reboot); `docker
 * stop` is not undone while the daemon runs. 0 after Ctrl-C at a terminal.
 */
const STOPPED_EXIT_CODE: Record<string, number> = { SIGTERM: 143, SIGINT: 0 };

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`HospiConnect cannot start: ${err.problems.length} configuration problem(s)`);
    for (const problem of err.problems) console.error(formatProblem(problem));
    process.exit(2);
  }
  const logger = createLogger(config.log.level);
  const running: Closable[] = [];
  const stop = async (signal: string) => {
    process.stdout.write(`HospiConnect stopping (${signal}): no new connections, finishing the requests in flight (at most ${DRAIN_SECONDS} s)…\n`);
    // A second signal, or a stop that outlasts the drain, ends the process at once.
    const force = (why: string) => {
      process.stderr.write(`HospiConnect stopped without finishing (${why}).\n`);
      process.exit(1);
    };
    process.once('SIGINT', () => force('second signal'));
    process.once('SIGTERM', () => force('second signal'));
    setTimeout(() => force(`still stopping after ${DRAIN_SECONDS + 5} s`), (DRAIN_SECONDS + 5) * 1000).unref();
    for (const peer of running.reverse()) await peer.close().catch((err: Error) => logger.error({ err }, 'error while stopping'));
    process.stdout.write('HospiConnect stopped.\n');
    process.exit(STOPPED_EXIT_CODE[signal] ?? 0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  try {
    let clients: ClientMetadata[] | undefined;
    if (config.sandbox.enabled) {
      config = prepareSandboxSecrets(config);
      // Before anything listens: the demo applications must be registered where they run.
      clients = loadSandboxClients(config);
      const sandbox = await startPscSandbox(config, logger);
      running.push(sandbox.simulator);
      config = sandbox.config;
    }
    running.push(await startGateway({ config, logger, ...(clients ? { clients } : {}) }));
    if (clients) {
      running.push(...(await startDemoApps(config, clients, logger)));
      // Each peer answers at the URL people are given, as the peers reach one another there.
      await checkSandboxUrls(config);
    }
  } catch (err) {
    if (err instanceof ConfigError || err instanceof KeyFileError) {
      const lines = err instanceof ConfigError ? err.problems.map(formatProblem) : [err.message];
      console.error('HospiConnect cannot start:');
      for (const line of lines) console.error(line);
      process.exit(2);
    }
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(`HospiConnect cannot start: ${(err as Error).message} — another program uses this port (set PORT, or stop it).`);
      process.exit(2);
    }
    throw err;
  }

  if (config.sandbox.enabled) {
    process.stdout.write(
      [
        '',
        'HospiConnect sandbox is running:',
        `  gateway (issuer)     ${config.issuer}/.well-known/openid-configuration`,
        `  PSC simulator        ${config.psc.issuer}`,
        `  demo DPI             ${config.sandbox.dpiUrl}/`,
        `  demo DMP-like        ${config.sandbox.dmpUrl}/`,
        `  demo national        ${config.sandbox.nationalUrl}/  (a national service: signs in at the PSC simulator, which delegates to the gateway)`,
        `  pilot dashboard      ${config.issuer}/pilot  (staff: ${config.pilot.staffIdNats.join(', ')}; demo data: npm run pilot:seed)`,
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
  }
}

await main();
