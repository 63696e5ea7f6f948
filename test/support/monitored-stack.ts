/**
 * A gateway stack on a redis-server of its own, every command of it seen through Redis
 * `MONITOR` (redis-monitor.ts): for tests that count what a request sends to Redis.
 */
import { monitorRedis, type RedisMonitor } from './redis-monitor.ts';
import { createRedisServer } from './redis-server.ts';
import { startStack, type Stack } from './stack.ts';

export interface MonitoredStack {
  stack: Stack;
  redis: RedisMonitor;
  /** Stops the monitor, the stack and its redis-server. */
  close(): Promise<void>;
}

export async function startMonitoredStack(name: string): Promise<MonitoredStack> {
  const server = await createRedisServer();
  let stack: Stack | undefined;
  try {
    stack = await startStack({ name, redisUrl: server.url });
    // Every connection of the stack is ready by now (it answered its start-up): nothing else speaks while MONITOR starts.
    const redis = await monitorRedis(server.url);
    const started = stack;
    return {
      stack,
      redis,
      async close() {
        redis.close();
        await started.close();
        await server.dispose();
      },
    };
  } catch (err) {
    await stack?.close();
    await server.dispose();
    throw err;
  }
}
