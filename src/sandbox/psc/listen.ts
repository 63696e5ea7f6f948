/**
 * Starts listening and reports the real port (so port 0 works). For host `localhost` it
 * listens on 127.0.0.1 and, when available, on ::1 with the same port, so both address
 * families a client may pick for "localhost" reach the simulator. With `tls` it speaks HTTPS
 * and asks every client for a certificate, checked against `tls.clientCa` but never refused
 * at the handshake (browsers have none; oidc-provider decides at the token endpoint).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';

type Server = http.Server | https.Server;

/** PEM contents for HTTPS with client certificates. */
export interface ListenTls {
  /** The simulator's server certificate (for the host clients use) and its key. */
  cert: string | Buffer;
  key: string | Buffer;
  /** CA that issues the client certificates the simulator accepts for tls_client_auth. */
  clientCa: string | Buffer;
}

export interface Listening {
  port: number;
  servers: Server[];
}

function createServer(handler: http.RequestListener, tls: ListenTls | undefined): Server {
  if (!tls) return http.createServer(handler);
  return https.createServer({ cert: tls.cert, key: tls.key, ca: tls.clientCa, requestCert: true, rejectUnauthorized: false }, handler);
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

export async function listen(handler: http.RequestListener, port: number, host: string, tls?: ListenTls): Promise<Listening> {
  const first = createServer(handler, tls);
  if (host !== 'localhost') return { port: await listenOn(first, port, host), servers: [first] };

  const realPort = await listenOn(first, port, '127.0.0.1');
  const second = createServer(handler, tls);
  try {
    await listenOn(second, realPort, '::1');
    return { port: realPort, servers: [first, second] };
  } catch {
    return { port: realPort, servers: [first] }; // no IPv6 loopback on this machine
  }
}

/** Closes the servers, dropping keep-alive connections. */
export async function closeAll(servers: readonly Server[]): Promise<void> {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve, reject) => {
          server.close((err) => (err ? reject(err) : resolve()));
          server.closeAllConnections();
        }),
    ),
  );
}
