/**
 * A load balancer without stickiness, for the multi-instance tests: each request goes to the
 * next backend in turn (Host header kept), and the proxy remembers who served which path.
 * It listens first (any free port, so no other test can take it) and gets its backends later.
 *
 * Like a load balancer with health checks, it skips a dead backend: when a backend refuses
 * the connection (its process is gone, ECONNREFUSED), the same request — body included, it
 * never reached that backend — goes to the next one, and the refusal is remembered in
 * `refused`. A backend that fails after accepting the connection is not retried (the request
 * may have been handled): the client gets a 502, as before. Each request opens its own
 * connection (no keep-alive pool), so a killed backend shows as refused at once rather than
 * as a reset of a pooled socket. With every backend alive, nothing changes.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';

export async function startRoundRobinProxy() {
  let next = 0;
  let backends: number[] = [];
  const served: Array<{ path: string; backend: number }> = [];
  const refused: Array<{ path: string; backend: number }> = [];

  /** Sends the request to backends[turn % n], then to the following ones while they refuse. */
  function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, turn: number, tried: number) {
    const backend = backends[turn % backends.length]!;
    const path = req.url ?? '/';
    const upstream = request({ host: 'localhost', port: backend, method: req.method, path, headers: req.headers, agent: false }, (answer) => {
      served.push({ path, backend });
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED' && tried + 1 < backends.length) {
        refused.push({ path, backend });
        forward(req, res, body, turn + 1, tried + 1);
        return;
      }
      if (err.code === 'ECONNREFUSED') refused.push({ path, backend });
      if (!res.headersSent) res.writeHead(502).end('backend down');
      else res.destroy();
    });
    upstream.end(body);
  }

  const server = createServer((req, res) => {
    if (backends.length === 0) {
      res.writeHead(503).end('no backend yet');
      return;
    }
    const turn = next++;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => forward(req, res, Buffer.concat(chunks), turn, 0));
  });
  server.listen(0, 'localhost');
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([err]) => {
      throw err;
    }),
  ]);
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    /** Requests answered, with the backend that answered them. */
    served,
    /** Requests a backend refused (then sent to the next one). */
    refused,
    setBackends(ports: number[]) {
      backends = ports;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
