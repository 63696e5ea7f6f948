/**
 * Parses the Redis connection settings into host lists and credentials, and describes the
 * target for logs without any password (redis://user:secret@host -> redis://user@host).
 */

export interface HostPort {
  host: string;
  port: number;
}

export interface UrlCredentials {
  username?: string;
  password?: string;
  /** True for rediss:// URLs. */
  tls: boolean;
}

/** "host:port,host:port" -> [{ host, port }]; `what` names the setting in errors. */
export function parseHostList(list: string, what: string): HostPort[] {
  return list
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      const colon = item.lastIndexOf(':');
      const host = item.slice(0, colon).replace(/^\[|\]$/g, '');
      const port = Number(item.slice(colon + 1));
      if (colon <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
        throw new Error(`${what}: expected host:port[,host:port...], got "${item}"`);
      }
      return { host, port };
    });
}

/** Username, password and TLS flag of a redis:// or rediss:// URL. */
export function urlCredentials(url: string): UrlCredentials {
  const parsed = parseRedisUrl(url);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    tls: parsed.protocol === 'rediss:',
  };
}

/** The URL with its password removed, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = parseRedisUrl(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(unparsable redis url)';
  }
}

function parseRedisUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('redis url: expected redis://[user:password@]host[:port][/db] or rediss://..., got an unparsable value');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`redis url: expected the redis: or rediss: scheme, got "${parsed.protocol}"`);
  }
  return parsed;
}
