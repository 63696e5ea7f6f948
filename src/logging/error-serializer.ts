/**
 * How an error is logged: pino's standard serializer (message, type, stack, own fields, causes),
 * without the arguments of the Redis command it reports. ioredis puts the command a reply refused
 * on its error (`command: { name, args }`), and those arguments are keys and values that name or
 * hold tokens — an opaque access token, refresh token or code is its record's key — so a store
 * error would write the token it was about into the log. The command's name and how many
 * arguments it had are kept: enough to tell which write or read failed.
 */
import { pino } from 'pino';

/** Nested errors (causes, aggregated errors) are followed this deep. */
const MAX_DEPTH = 8;

type Serialized = Record<string, unknown>;

function withoutCommandArguments(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => withoutCommandArguments(item, depth + 1));
  const copy: Serialized = {};
  for (const [field, inner] of Object.entries(value as Serialized)) {
    if (field === 'command' && inner && typeof inner === 'object' && 'args' in inner) {
      const { args, ...rest } = inner as { args: unknown };
      copy.command = { ...rest, argCount: Array.isArray(args) ? args.length : undefined };
    } else {
      copy[field] = withoutCommandArguments(inner, depth + 1);
    }
  }
  return copy;
}

export function serializeError(err: unknown): unknown {
  return withoutCommandArguments(pino.stdSerializers.err(err as Error), 0);
}
