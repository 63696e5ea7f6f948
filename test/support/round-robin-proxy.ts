/**
 * A load balancer without stickiness, for the multi-instance test: each request goes to the
 * next backend in turn (Host header kept), and the proxy remembers who served which path.
 * It listens first (any free port, so no other test can take it) and gets its backends later.
 */
import { createServer, request } from 'node:http';
import { once } from 'node:events';

export async function startRoundRobinProxy() {
  let next = 0;
  let backends: number[] = [];
  const served: Array<{ path: string; backend: number }> = [];
  const server = createServer((req, res) => {
    if (backends.length === 0) {
      res.writeHead(503).end('no backend yet');
      return;
    }
    const backend = backends[next++ % backends.length]!;
    served.push({ path: req.url ?? '/', backend });
    const upstream = request({ host: 'localhost', port: backend, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => { res.writeHead(502).end('backend down'); });
    req.pipe(upstream);
  });
  server.listen(0, 'localhost');
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => { throw err; })]);
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    served,
    setBackends(ports: number[]) { backends = ports; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
