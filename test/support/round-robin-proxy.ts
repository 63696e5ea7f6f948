/**
 * A load balancer without stickiness, for the multi-instance test: each request goes to the
 * next backend in turn (Host header kept), and the proxy remembers who served which path.
 */
import { createServer, request } from 'node:http';
import { once } from 'node:events';

export async function startRoundRobinProxy(port: number, backends: number[]) {
  let next = 0;
  const served: Array<{ path: string; backend: number }> = [];
  const server = createServer((req, res) => {
    const backend = backends[next++ % backends.length]!;
    served.push({ path: req.url ?? '/', backend });
    const upstream = request({ host: 'localhost', port: backend, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => { res.writeHead(502).end('backend down'); });
    req.pipe(upstream);
  });
  server.listen(port, 'localhost');
  await once(server, 'listening');
  return {
    served,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
