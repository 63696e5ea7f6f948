/** A relying party's back-channel logout endpoint that records the logout tokens it receives. */
import { createServer } from 'node:http';
import { once } from 'node:events';

export async function startBackchannelReceiver() {
  const tokens: string[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const token = new URLSearchParams(body).get('logout_token');
      if (token) tokens.push(token);
      res.writeHead(200).end();
      waiters.splice(0).forEach((w) => w());
    });
  });
  server.listen(0, 'localhost');
  await once(server, 'listening');
  const address = server.address();
  return {
    url: `http://localhost:${typeof address === 'object' && address ? address.port : 0}/backchannel`,
    tokens,
    /** Resolves when at least `count` tokens arrived, or rejects after `ms`. */
    async waitFor(count: number, ms = 5000) {
      const deadline = Date.now() + ms;
      while (tokens.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} logout token(s), got ${tokens.length}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100).unref();
        });
      }
      return tokens;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
