/**
 * The one Lua script that appends to the audit stream (redis-log.ts): it checks that the chain
 * head and the index generation are those the writer read, XADDs the events, appends each
 * one's 16-byte entry to its index keys (index-keys.ts) and sets the new head, atomically. The
 * entries of one commit are gathered per index key and appended in one APPEND each, in event
 * order (a commit of 25 token events of one client: 5 APPENDs, not 125). A key created by
 * this append is listed in its month's registry. appendCall builds its keys and
 * arguments; every key is declared and shares the stream's hash tag (one Cluster slot).
 *
 * Stream ids follow event times: id ms = max(previous id ms, min(event time, Redis now)), so
 * they never go backwards and one wrong clock cannot push every later id into the future.
 * The new head is ARGV's {seq, mac} with the last stream id's ms added ({seq, mac, ms}): the
 * next append reads it there instead of asking XINFO, and knows from it that the stream is a
 * stream without asking TYPE (a key of another type still fails the first XADD, before any
 * write). Redis's clock (TIME) is read only when an event's time is past the last id's.
 * A commit of one event on a head this script wrote costs, besides the EVALSHA: MGET, TIME,
 * XADD, one APPEND per index key (4 or 5), SET: 9 or 10 commands in all
 * (test/audit/append-commands.test.ts counts them).
 * Returns {1, new head} when written, {0, current head} when another writer moved the head,
 * {2, current generation} when a rebuild of the index started a new generation meanwhile.
 */
import type { ChainedEvent } from './chain.ts';
import { monthOf, type AuditIndexKeys } from './index-keys.ts';
import { indexTermsOf } from './search.ts';

// KEYS: 1 head, 2 stream, 3 generation, 4 since, 5 months, 6..5+R the month registries, then index keys.
// ARGV: 1 expected head, 2 new head, 3 expected generation, 4 R, 5..4+R the registries' months,
//       then per event: time ms, json, k, and k pairs (index key's KEYS number, its registry's KEYS number).
export const APPEND_SCRIPT = `
-- The head, the generation and since (is the index started?) in one read: one command, not three.
local read = redis.call('MGET', KEYS[1], KEYS[3], KEYS[4])
local current = read[1] or ''
if current ~= ARGV[1] then return {0, current} end
local gen = read[2] or '1'
if gen ~= ARGV[3] then return {2, gen} end
local since = read[3] ~= false
local function refuse(kind)
  return redis.error_reply('audit: expected ' .. KEYS[2] .. ' to be a stream, got a ' .. kind)
end
local function streamLast()
  local info = redis.call('XINFO', 'STREAM', KEYS[2])
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then return tonumber(string.match(info[i + 1], '^(%d+)')) end
  end
  return 0
end
-- The head keeps the last id's ms (written by this script, so the stream was a stream then);
-- a head without it (none yet, or written by a version before) costs a TYPE and an XINFO,
-- and so does an entry added by other means. A key of another type behind a head with "ms"
-- is found by the first XADD, which fails before anything is written.
local known = current ~= '' and string.match(current, '"ms":(%d+)')
local last = 0
if known then
  last = tonumber(known)
else
  local kind = redis.call('TYPE', KEYS[2])['ok']
  if kind == 'stream' then
    last = streamLast()
  elseif kind ~= 'none' then
    return refuse(kind)
  end
end
-- Redis's clock is read once, and only when an event's time is past the last id: an earlier
-- one gets the last id's ms whatever the clock says.
local now
local function idMs(t)
  if t <= last then return last end
  if not now then
    local clock = redis.call('TIME')
    now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
  end
  return math.max(last, math.min(t, now))
end
-- Index entries by index key (KEYS number), in event order: one APPEND per key and commit.
local entries, order, registryOf = {}, {}, {}
local i = 5 + tonumber(ARGV[4])
while i <= #ARGV do
  local t = tonumber(ARGV[i])
  local ms = idMs(t)
  local id = redis.pcall('XADD', KEYS[2], string.format('%.0f', ms) .. '-*', 'e', ARGV[i + 1])
  if type(id) == 'table' and id.err then
    if string.find(id.err, '^WRONGTYPE') then return refuse(redis.call('TYPE', KEYS[2])['ok']) end
    -- The stream's top is past the head's ms: ids never go backwards, read it and add after it.
    last = math.max(last, streamLast())
    ms = idMs(t)
    id = redis.call('XADD', KEYS[2], string.format('%.0f', ms) .. '-*', 'e', ARGV[i + 1])
  end
  if not since then
    redis.call('SET', KEYS[4], id)
    since = true
  end
  local entry = struct.pack('>I6I6I4', t, ms, tonumber(string.match(id, '%-(%d+)$')))
  local k = tonumber(ARGV[i + 2])
  for j = 0, k - 1 do
    local number = tonumber(ARGV[i + 3 + 2 * j])
    local list = entries[number]
    if not list then
      list = {}
      entries[number] = list
      order[#order + 1] = number
      registryOf[number] = tonumber(ARGV[i + 4 + 2 * j])
    end
    list[#list + 1] = entry
  end
  i = i + 3 + 2 * k
  last = ms
end
for _, number in ipairs(order) do
  local data = table.concat(entries[number])
  if redis.call('APPEND', KEYS[number], data) == #data then
    local registry = registryOf[number]
    redis.call('SADD', KEYS[registry], KEYS[number])
    redis.call('SADD', KEYS[5], ARGV[registry - 1])
  end
end
local head = string.sub(ARGV[2], 1, -2) .. ',"ms":' .. string.format('%.0f', last) .. '}'
redis.call('SET', KEYS[1], head)
return {1, head}
`;

/** Latest time an index entry holds (6 bytes of ms). */
const MAX_ENTRY_MS = 2 ** 48 - 1;

/** The event's time as the script takes it: ms since the epoch, within what an entry holds. */
export function entryTime(time: string): number {
  return Math.min(Math.max(0, Date.parse(time)), MAX_ENTRY_MS);
}

export interface AppendCall {
  keys: string[];
  args: string[];
}

/** KEYS and ARGV of the script for these chained events. */
export function appendCall(
  ix: AuditIndexKeys,
  gen: number,
  names: { head: string; stream: string },
  chained: readonly ChainedEvent[],
  expectedHead: string,
  newHead: string,
): AppendCall {
  const events = chained.map(({ event }) => event);
  const registries = new Map<string, number>(); // month -> KEYS number
  const terms = new Map<string, number>(); // index key -> KEYS number
  const months: string[] = [];
  const perEvent: Array<Array<[string, string]>> = events.map((event) => {
    const month = monthOf(entryTime(event.time));
    if (!registries.has(month)) {
      months.push(month);
      registries.set(month, 0);
    }
    return indexTermsOf(event).map(([field, value]) => [ix.term(gen, field, value, month), month]);
  });
  const keys = [names.head, names.stream, ix.genKey, ix.since(gen), ix.months(gen)];
  for (const month of months) {
    keys.push(ix.registry(gen, month));
    registries.set(month, keys.length);
  }
  const args = [expectedHead, newHead, String(gen), String(months.length), ...months];
  events.forEach((event, e) => {
    const pairs = perEvent[e]!;
    args.push(String(entryTime(event.time)), chained[e]!.text, String(pairs.length));
    for (const [key, month] of pairs) {
      let number = terms.get(key);
      if (number === undefined) {
        keys.push(key);
        number = keys.length;
        terms.set(key, number);
      }
      args.push(String(number), String(registries.get(month)));
    }
  });
  return { keys, args };
}
