/**
 * An error is logged without the arguments of the Redis command it reports (ioredis' `command`),
 * at the top and in the errors it carries, where a token stood as a key; its message, type, name of the
 * command and number of arguments are kept.
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { ReplyError } from 'ioredis';
import { serializeError } from './error-serializer.ts';

const TOKEN = 'tok-XH3kq9mZ0aBcDeFgHiJkLmNoPqRsTuVwXyZ01234';

function refused(): Error {
  const err = new ReplyError("NOPERM this user has no permissions to run the 'mget' command");
  Object.assign(err, { command: { name: 'mget', args: [`hc:{RefreshToken:${TOKEN}}:RefreshToken:json`, `hc:{RefreshToken:${TOKEN}}:RefreshToken:used`] } });
  return err;
}

describe('error serializer', () => {
  it('drops the command arguments of a Redis error, keeping its name and their number', () => {
    const out = serializeError(refused()) as { type: string; message: string; command: { name: string; argCount: number } };
    assert.equal(JSON.stringify(out).includes(TOKEN), false);
    assert.equal(out.type, 'ReplyError');
    assert.match(out.message, /NOPERM/);
    assert.deepEqual(out.command, { name: 'mget', argCount: 2 });
  });

  it("drops them in the errors an error carries (a batch's previousErrors), keeps a cause's message, and leaves other errors as pino writes them", () => {
    const batch = Object.assign(new Error('EXECABORT Transaction discarded because of previous errors.'), { previousErrors: [refused()] });
    const out = serializeError(batch) as { previousErrors: Array<{ command: unknown }> };
    assert.equal(JSON.stringify(out).includes(TOKEN), false, JSON.stringify(out));
    assert.deepEqual(out.previousErrors[0]!.command, { name: 'mget', argCount: 2 });
    const caused = serializeError(new Error('store unavailable', { cause: refused() })) as { message: string };
    assert.equal(JSON.stringify(caused).includes(TOKEN), false);
    assert.match(caused.message, /store unavailable: NOPERM/, 'the cause is told in the message');
    const plain = new TypeError('bad');
    assert.deepEqual(serializeError(plain), JSON.parse(JSON.stringify(serializeError(plain))));
    assert.equal((serializeError(plain) as { message: string }).message, 'bad');
    assert.equal(serializeError('not an error'), 'not an error');
  });
});
