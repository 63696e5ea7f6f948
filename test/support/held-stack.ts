/**
 * A gateway stack whose Redis — a private redis-server — sits behind a holding proxy
 * (redis-holding-proxy.ts), for the chaos tests that hold the gateway's commands up on their way.
 */
import { startStack, type Stack } from './stack.ts';
import { createRedisServer } from './redis-server.ts';
import { startRedisHoldingProxy, type HoldingProxy } from './redis-holding-proxy.ts';

export interface HeldStack {
  stack: Stack;
  proxy: HoldingProxy;
  /** Closes the stack, then the proxy, then the Redis server. */
  close(): Promise<void>;
}

export async function startHeldStack(name: string): Promise<HeldStack> {
  const redis = await createRedisServer();
  const proxy = await startRedisHoldingProxy({ host: '127.0.0.1', port: redis.port });
  const stack = await startStack({ name, redisUrl: proxy.url });
  return {
    stack,
    proxy,
    async close() {
      await stack.close();
      await proxy.close();
      await redis.dispose();
    },
  };
}
