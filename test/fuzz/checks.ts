/**
 * What every fuzz property checks of an answer, and the hostile values they draw from.
 *
 * - `answer` / `send`: one raw HTTP request (no redirect followed, any method, header and
 *   body), its answer read once.
 * - `assertHtmlRefusal`, `assertJsonAnswer`: the answer is a structured one (the gateway's
 *   page with a `<main>` and no stack trace; JSON with a string `error` when refused).
 * - `runFuzz`: fc.assert with the run count, FUZZ_SEED when set (fast-check prints the seed
 *   of a failure: `FUZZ_SEED=<seed> npm test -- test/fuzz/…` replays it), endOnFailure;
 *   FUZZ_RUNS=<n> runs each property n times instead (a longer hunt).
 * - `valueFor`, `parameterMutations`, `applyMutations`: a parameter's value from a table of
 *   plausible ones or hostile, the set / delete / duplicate changes to a request's parameters,
 *   and those changes applied.
 */
import assert from 'node:assert/strict';
import fc, { defaultReportMessage, type IAsyncProperty } from 'fast-check';
import { parse } from 'node-html-parser';
import type { Stack } from '../support/stack.ts';

/**
 * A stack trace or a leaked module path, as bad-input.test.ts looks for them; a frame is
 * `at name (place:line:column)`, so that English text such as "at high (eidas3)" is not one.
 */
export const STACK_TRACE = /\bat [\w.<>]+ \([^()]*:\d+:\d+\)|node_modules|Error: /;

export interface Answer {
  status: number;
  headers: Headers;
  body: string;
  /** The body parsed as JSON, undefined when it is not JSON. */
  json: unknown;
}

export interface SendInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

/** One request, no redirect followed. */
export async function send(url: string, init: SendInit = {}): Promise<Answer> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { 'accept-language': 'fr-FR,fr;q=0.9', ...init.headers },
    body: init.body as BodyInit | undefined,
    redirect: 'manual',
  });
  const body = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, body, json };
}

/** Nothing of the gateway failed: no 5xx (a 503 neither: Redis is up). */
export function assertNoServerError(answer: Answer, context: string): void {
  assert.ok(answer.status < 500, `${context}: status ${answer.status}: ${answer.body.slice(0, 300)}`);
}

/**
 * Refused by node's HTTP server before the gateway saw it: request line and headers over
 * its 16 KiB limit (431, empty body). Only huge URLs get this.
 */
export function refusedByHttpServer(answer: Answer): boolean {
  return answer.status === 431 && answer.body === '';
}

/**
 * The gateway's HTML page: text/html, a `<main>` with text, no stack trace. Addresses are
 * left out of the stack trace search: the language switch echoes the request's own URL.
 */
export function assertHtmlPage(answer: Answer, context: string): void {
  assert.match(
    answer.headers.get('content-type') ?? '',
    /^text\/html/,
    `${context}: an HTML page (got ${answer.headers.get('content-type')}: ${answer.body.slice(0, 200)})`,
  );
  const main = parse(answer.body).querySelector('main');
  assert.ok(main, `${context}: the page has a <main>: ${answer.body.slice(0, 300)}`);
  assert.ok(main.text.trim().length > 0, `${context}: the <main> says something`);
  assert.doesNotMatch(answer.body.replace(/\b(?:href|action)="[^"]*"/g, ''), STACK_TRACE, `${context}: no stack trace`);
}

/** A refusal as a page: status 4xx and the gateway's page. */
export function assertHtmlRefusal(answer: Answer, context: string): void {
  assertNoServerError(answer, context);
  assert.ok(answer.status >= 400, `${context}: refused (got ${answer.status})`);
  if (refusedByHttpServer(answer)) return;
  assertHtmlPage(answer, context);
}

/** A JSON answer; when it refuses, a string `error`. Never a stack trace. */
export function assertJsonAnswer(answer: Answer, context: string): void {
  assertNoServerError(answer, context);
  assert.match(
    answer.headers.get('content-type') ?? '',
    /^application\/json/,
    `${context}: JSON (got ${answer.headers.get('content-type')}: ${answer.body.slice(0, 200)})`,
  );
  assert.notEqual(answer.json, undefined, `${context}: the body parses as JSON: ${answer.body.slice(0, 200)}`);
  if (answer.status >= 400) {
    assert.equal(typeof (answer.json as { error?: unknown } | null)?.error, 'string', `${context}: a string error: ${answer.body.slice(0, 200)}`);
  }
  assert.doesNotMatch(answer.body, STACK_TRACE, `${context}: no stack trace`);
}

/** The process still answers (it did not crash on what it was sent). */
export async function assertHealthy(stack: Stack): Promise<void> {
  const health = await fetch(`${stack.issuer}/healthz`);
  assert.equal(health.status, 200, 'GET /healthz answers after the fuzzing');
  await health.body?.cancel();
}

/**
 * fc.assert with the fuzz files' settings: FUZZ_SEED when set, stop at the first failure.
 * `examples` run first, every time: minimised counterexamples of bugs found, as regressions.
 */
export async function runFuzz<T>(property: IAsyncProperty<T>, numRuns: number, examples: T[] = []): Promise<void> {
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
  const runs = Number(process.env.FUZZ_RUNS) > 0 ? Number(process.env.FUZZ_RUNS) : numRuns;
  await fc.assert(property, {
    numRuns: runs,
    examples,
    endOnFailure: true,
    ...(seed !== undefined && Number.isFinite(seed) ? { seed } : {}),
    // fast-check's own report, with runs of a repeated piece (the huge values) written `piece×count`.
    reporter(details) {
      if (!details.failed) return;
      throw new Error(squeeze(defaultReportMessage(details) ?? 'property failed'), { cause: details.errorInstance });
    },
  });
}

/** Writes long runs of a repeated piece of text as `«piece»×count`, so that reports stay readable. */
export function squeeze(text: string): string {
  return text.replace(/([\s\S]{1,16}?)\1{15,}/g, (run: string, piece: string) => `«${piece}»×${run.length / piece.length}`);
}

/** encodeURIComponent that never throws: lone surrogates (which UTF-8 cannot carry) become U+FFFD. */
export function encodeComponent(value: string): string {
  return encodeURIComponent(value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));
}

/** An application/x-www-form-urlencoded body (or query) from pairs, in order, duplicates kept. */
export function formEncode(pairs: Array<[string, string]>): string {
  return pairs.map(([k, v]) => `${encodeComponent(k)}=${encodeComponent(v)}`).join('&');
}

// ---------------------------------------------------------------- hostile values

const controlChar = fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c));

/** A string repeated to a large size (around the gateway's 4 KiB value limit and beyond). */
export const longString = fc
  .record({ unit: fc.string({ minLength: 1, maxLength: 3 }), times: fc.integer({ min: 500, max: 6000 }) })
  .map(({ unit, times }) => unit.repeat(Math.ceil(times / unit.length)));

/** A string of any kind: ASCII, any Unicode (lone surrogates included), control characters, huge. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ maxLength: 40 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 2 },
  { arbitrary: fc.string({ unit: controlChar, minLength: 1, maxLength: 10 }), weight: 1 },
  {
    arbitrary: fc.constantFrom(
      '',
      ' ',
      'null',
      'undefined',
      '[]',
      '{}',
      '0',
      '-1',
      '1e999',
      'NaN',
      '__proto__',
      'constructor',
      '../../etc/passwd',
      '<script>alert(1)</script>',
      '"\'><img src=x>',
      '\u202e\u0000\ufeff',
      'é'.normalize('NFD'),
      '%00',
      '%',
      '\r\nSet-Cookie: x=1',
    ),
    weight: 2,
  },
  { arbitrary: longString, weight: 1 },
);

/** A raw (not encoded) fragment of a query string or form body: percent-encoding garbage. */
export const percentGarbage: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('%', '%%', '%zz', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '%FF%FE', '%00', '%0d%0a', '%uD83D', '+%2B+', '&&&', '==', '=&=', ';', '%25%32%35'),
  fc
    .array(
      fc.oneof(
        fc.constant('%'),
        fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFgz'), maxLength: 2 }).map((h) => `%${h}`),
        fc.string({ maxLength: 3 }),
      ),
      { minLength: 1, maxLength: 6 },
    )
    .map((parts) => parts.join('')),
);

/** A parameter name: a known one or anything. */
export function parameterName(known: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof({ arbitrary: fc.constantFrom(...known), weight: 4 }, { arbitrary: hostileString, weight: 1 });
}

/** Bytes as base64url, or a hostile string in its place. */
export const base64urlish: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString('base64url')), weight: 4 },
  { arbitrary: fc.base64String({ maxLength: 60 }), weight: 1 },
  { arbitrary: hostileString, weight: 1 },
);

// ---------------------------------------------------------------- parameter mutations

/**
 * `valueFor(plausible)(name)`: a value for the parameter `name`, from `plausible[name]`
 * (weight 3; a hostile string when the table has no such name) or a hostile string (weight 2).
 */
export function valueFor(plausible: Readonly<Record<string, fc.Arbitrary<string>>>): (name: string) => fc.Arbitrary<string> {
  return (name) =>
    fc.oneof({ arbitrary: Object.hasOwn(plausible, name) ? plausible[name]! : hostileString, weight: 3 }, { arbitrary: hostileString, weight: 2 });
}

/** One change to a request's parameters (a name known or anything, a value from valueFor). */
export type ParameterMutation =
  { kind: 'set'; name: string; value: string } | { kind: 'delete'; name: string } | { kind: 'duplicate'; name: string; value: string };

/**
 * The parameters with the mutations applied in order: `set` replaces the first parameter of
 * that name (or appends it), `delete` removes every one, `duplicate` appends one more.
 */
export function applyMutations(params: ReadonlyArray<readonly [string, string]>, mutations: readonly ParameterMutation[]): Array<[string, string]> {
  let out = params.map(([k, v]): [string, string] => [k, v]);
  for (const m of mutations) {
    if (m.kind === 'set') {
      const at = out.findIndex(([k]) => k === m.name);
      if (at < 0) out.push([m.name, m.value]);
      else out[at] = [m.name, m.value];
    } else if (m.kind === 'delete') {
      out = out.filter(([k]) => k !== m.name);
    } else {
      out.push([m.name, m.value]);
    }
  }
  return out;
}

/**
 * The set / delete / duplicate cases of a ParameterMutation with their weights, for
 * `fc.oneof(...)`. Weighted cases rather than one arbitrary, so that a file can add cases of
 * its own to the same fc.oneof (one draw picks among all of them, as if written out in place).
 */
export function parameterMutations(
  names: readonly string[],
  plausible: Readonly<Record<string, fc.Arbitrary<string>>>,
  weights: { set: number; delete: number; duplicate: number },
): Array<fc.WeightedArbitrary<ParameterMutation>> {
  const value = valueFor(plausible);
  return [
    { arbitrary: parameterName(names).chain((name) => value(name).map((v): ParameterMutation => ({ kind: 'set', name, value: v }))), weight: weights.set },
    { arbitrary: parameterName(names).map((name): ParameterMutation => ({ kind: 'delete', name })), weight: weights.delete },
    {
      arbitrary: parameterName(names).chain((name) => value(name).map((v): ParameterMutation => ({ kind: 'duplicate', name, value: v }))),
      weight: weights.duplicate,
    },
  ];
}
