/**
 * `npm run admin -- <command>`: operations for the IAM team, against the shared Redis store
 * and the clients file the gateways load (CLIENTS_FILE). Every command is recorded in the
 * audit trail with the operator's name.
 * Exit codes: 0 done, 1 nothing to act on, 2 bad usage, input or configuration.
 */
import { parseArgs } from 'node:util';
import { ID_NAT_PATTERN } from '../accounts/index.ts';
import { runAdminCli, type AdminContext } from './context.ts';
import { addClient, disableClient, enableClient, listClients } from './client-commands.ts';
import { confirmKey, endSessions, listKeys, revokeKeys, show } from './clinician-commands.ts';
import { emergencyCode } from './emergency-command.ts';

interface Parsed {
  args: string[];
  reason?: string;
  keepSessions: boolean;
  key?: string;
  hours?: number;
}

interface Command {
  /** What the positional argument is, for the usage line ('' = none). */
  argument: '' | '<idNat>' | '<client_id>' | '<registration.json>';
  options?: string;
  summary: string;
  run(ctx: AdminContext, parsed: Parsed): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  show: { argument: '<idNat>', summary: 'linked identity: PSC identity, keys, live sessions, recent activity', run: (ctx, p) => show(ctx, p.args[0]!) },
  'list-keys': { argument: '<idNat>', summary: "a clinician's security keys and passkeys", run: (ctx, p) => listKeys(ctx, p.args[0]!) },
  'revoke-keys': {
    argument: '<idNat>',
    options: '[--keep-sessions]',
    summary: 'revokes every key of a clinician and ends their sessions',
    run: (ctx, p) => revokeKeys(ctx, p.args[0]!, { keepSessions: p.keepSessions }),
  },
  'confirm-key': {
    argument: '<idNat>',
    options: '--key=<credential id>',
    summary: "after checking the clinician's identity in person: raises one of their keys to the policy's in-person level",
    run: (ctx, p) => confirmKey(ctx, p.args[0]!, p.key!),
  },
  'emergency-code': {
    argument: '<idNat>',
    options: '[--hours N]',
    summary: 'emergency access: a single-use code for a clinician whose means are unusable, to hand over in person (lowest level)',
    run: (ctx, p) => emergencyCode(ctx, p.args[0]!, p.hours),
  },
  'end-sessions': { argument: '<idNat>', summary: "ends a clinician's sessions and revokes their tokens", run: (ctx, p) => endSessions(ctx, p.args[0]!) },
  'list-clients': { argument: '', summary: 'the relying parties of CLIENTS_FILE and whether they are disabled', run: (ctx) => listClients(ctx) },
  'add-client': {
    argument: '<registration.json>',
    summary: 'appends a registration to CLIENTS_FILE (loaded at the next restart)',
    run: (ctx, p) => addClient(ctx, p.args[0]!),
  },
  'disable-client': {
    argument: '<client_id>',
    options: '[--reason text]',
    summary: 'switches a client off on every instance (within a second) and revokes its tokens',
    run: (ctx, p) => disableClient(ctx, p.args[0]!, p.reason),
  },
  'enable-client': { argument: '<client_id>', summary: 'switches a disabled client back on', run: (ctx, p) => enableClient(ctx, p.args[0]!) },
};

const USAGE = [
  'usage: npm run admin -- <command>',
  ...Object.entries(COMMANDS).map(([name, c]) => `  ${[name, c.argument, c.options].filter(Boolean).join(' ').padEnd(44)} ${c.summary}`),
].join('\n');

/** The command and its arguments, or an error message. */
function parse(argv: string[]): { command: Command; parsed: Parsed } | string {
  let values: { reason?: string; 'keep-sessions'?: boolean; key?: string; hours?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { reason: { type: 'string' }, 'keep-sessions': { type: 'boolean' }, key: { type: 'string' }, hours: { type: 'string' } },
    }));
  } catch (err) {
    return (err as Error).message;
  }
  const [name, ...args] = positionals;
  if (!name) return 'no command';
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) return `unknown command "${name}"`;
  const expected = command.argument ? 1 : 0;
  if (args.length !== expected) return `${name} takes ${expected ? command.argument : 'no argument'}, got ${args.length ? args.join(' ') : 'nothing'}`;
  if (values.reason !== undefined && name !== 'disable-client') return '--reason goes with disable-client';
  if (values['keep-sessions'] && name !== 'revoke-keys') return '--keep-sessions goes with revoke-keys';
  if (values.key !== undefined && name !== 'confirm-key') return '--key goes with confirm-key';
  if (values.hours !== undefined && name !== 'emergency-code') return '--hours goes with emergency-code';
  if (values.hours !== undefined && !/^\d{1,2}$/.test(values.hours)) return `--hours takes a whole number of hours, got "${values.hours}"`;
  if (name === 'confirm-key' && !(values.key && /^[A-Za-z0-9_-]{1,1400}$/.test(values.key)))
    return 'confirm-key needs --key=<credential id> (base64url, as list-keys shows it; written with = since an id may begin with -)';
  if (command.argument === '<idNat>' && !ID_NAT_PATTERN.test(args[0]!)) return `"${args[0]}" is not a national identifier (1–40 letters or digits)`;
  return {
    command,
    parsed: {
      args,
      reason: values.reason,
      keepSessions: values['keep-sessions'] === true,
      key: values.key,
      hours: values.hours === undefined ? undefined : Number(values.hours),
    },
  };
}

async function main(argv: string[]): Promise<number> {
  return runAdminCli(
    'admin',
    USAGE,
    argv,
    parse,
    (request, ctx) => request.command.run(ctx, request.parsed),
    () => argv[0]!,
  );
}

process.exitCode = await main(process.argv.slice(2));
