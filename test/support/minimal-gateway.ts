/**
 * A gateway on 127.0.0.1 with what the HTTP layer's tests need and nothing else: the
 * in-memory store, no sandbox, silent logs, its keys in `keysDir`. For tests of the server
 * itself (ports, connections), not of sign-ins (stack.ts).
 */
import { pino } from 'pino';
import { loadConfig } from '../../src/config/index.ts';
import { startGateway, type Gateway } from '../../src/gateway.ts';
import type { ClientMetadata } from '../../src/oidc/index.ts';
import { createMemoryStore } from '../../src/store/index.ts';

export async function startMinimalGateway(options: {
  port: number;
  keysDir: string;
  env?: Record<string, string>;
  clients?: ClientMetadata[];
}): Promise<Gateway> {
  const config = loadConfig({
    env: options.env ?? {},
    overrides: {
      env: 'test',
      issuer: `http://localhost:${options.port}`,
      'http.port': options.port,
      'http.host': '127.0.0.1',
      'keys.dir': options.keysDir,
      'sandbox.enabled': false,
      'log.level': 'silent',
    },
  });
  return startGateway({
    config,
    logger: pino({ level: 'silent' }),
    clients: options.clients ?? [],
    store: createMemoryStore(),
    auditMirror: pino({ level: 'silent' }),
  });
}
