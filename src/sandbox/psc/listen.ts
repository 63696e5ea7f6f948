/**
 * Starts listening and reports the real port (so port 0 works). For host `localhost` it
 * listens on 127.0.0.1 and, when available, on ::1 with the same port, so both address
 * families a client may pick for "localhost" reach the simulator.
 */
import type { Server } from 'node:http';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  port: number;
  servers: Server[];
}

function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function listen(handler: RequestListener, port: number, host: string): Promise<Listening> {
  const first = createServer(handler);
  if (host !== 'localhost') return { port: await listenOn(first, port, host), servers: [first] };

  const realPort = await listenOn(first, port, '127.0.0.1');
  const second = createServer(handler);
  try {
    await listenOn(second, realPort, '::1');
    return { port: realPort, servers: [first, second] };
  } catch {
    return { port: realPort, servers: [first] }; // no IPv6 loopback on this machine
  }
}

/** Closes the servers, dropping keep-alive connections. */
export async function closeAll(servers: readonly Server[]): Promise<void> {
  await Promise.all(servers.map((server) => new Promise<void>((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  })));
}
