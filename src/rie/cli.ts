/**
 * `npm run rie-report -- [--days N] [--json]`: the RIE conformity report of the running
 * configuration (the gateway's environment and config file), the applications of CLIENTS_FILE
 * and the pilot's aggregates in the shared Redis store, over the last N Paris days (default 30).
 * Recorded in the audit trail with the operator's name.
 * Exit codes: 0 every checked requirement met, 1 at least one not met (the report says which),
 * 2 bad usage or configuration (one line).
 */
import { parseArgs } from 'node:util';
import { runAdminCli } from '../admin/context.ts';
import { clientPlaceholders, loadClientsFile } from '../oidc/index.ts';
import { PORTAL_CLIENT_ID } from '../portal/portal-client.ts';
import { addDays, createPilotFiguresReader, parisDay } from '../pilot/index.ts';
import { MAX_RANGE_DAYS } from '../pilot/range.ts';
import { createViews } from '../http/views.ts';
import { rieReport } from './report.ts';
import { rieText } from './render.ts';

const USAGE = `usage: npm run rie-report -- [--days N] [--json]
  --days N   the last N Paris days of figures (1–${MAX_RANGE_DAYS}, default 30)
  --json     the report as JSON instead of text`;

interface Request {
  days: number;
  json: boolean;
}

function parse(argv: string[]): Request | string {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { days: { type: 'string' }, json: { type: 'boolean', default: false } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return (err as Error).message.split('\n')[0]!;
  }
  const days = values.days === undefined ? 30 : Number(values.days);
  if (!Number.isInteger(days) || days < 1 || days > MAX_RANGE_DAYS)
    return `--days: expected a whole number of days from 1 to ${MAX_RANGE_DAYS}, got ${JSON.stringify(values.days)}`;
  return { days, json: values.json === true };
}

const exitCode = await runAdminCli(
  'rie-report',
  USAGE,
  process.argv.slice(2),
  parse,
  async (request, ctx) => {
    const now = Date.now();
    const to = parisDay(now);
    const from = addDays(to, -(request.days - 1));
    const clients = loadClientsFile(ctx.config.clients.file, process.env, clientPlaceholders(ctx.config)).filter((c) => c.client_id !== PORTAL_CLIENT_ID);
    const figures = await createPilotFiguresReader(ctx.store, ctx.keyNames).read({ from, to });
    const report = rieReport({ config: ctx.config, clients, figures, now });
    await ctx.audit({ type: 'admin.action', outcome: 'info', details: { action: 'rie-report', operator: ctx.operator, from, to, count: report.unmet } });
    ctx.out(request.json ? JSON.stringify(report, null, 2) : rieText(report, createViews().t('fr')).trimEnd());
    return report.unmet ? 1 : 0;
  },
  () => 'report',
);
process.exitCode = exitCode;
