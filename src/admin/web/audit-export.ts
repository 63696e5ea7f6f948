/**
 * GET /admin/audit/export.csv and /admin/audit/export.jsonl — the whole result of an
 * /admin/audit search (same criteria, same snapshot `upto`), oldest first, written as it is
 * read (500 events at a time, waiting when the client reads slowly), never held whole. CSV and
 * JSON lines as `npm run audit -- export` writes them (src/audit/export.ts). Who exported what
 * (criteria, format, snapshot, count) is recorded (admin.action audit.export) before the first
 * byte. Same gate as the page; a malformed criterion is a 400 JSON answer naming it.
 */
import type { RequestHandler, Response } from 'express';
import { parseQuery } from '../../http/parse-query.ts';
import { toCsv, toJsonl } from '../../audit/index.ts';
import type { AuditEvent } from '../../audit/types.ts';
import { requireAdmin, type AdminAuditDeps } from './audit-page.ts';
import { auditExportQuery, auditQueryOf } from './audit-query.ts';

export type AuditExportFormat = 'csv' | 'jsonl';

const CHUNK = 500;

const CONTENT_TYPES: Record<AuditExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
};

/** Writes `text`, waiting for the client to drain when the socket's buffer is full; false when the client went away. */
async function write(res: Response, text: string): Promise<boolean> {
  if (res.destroyed) return false;
  if (res.write(text)) return true;
  return new Promise<boolean>((resolve) => {
    const done = (ok: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}

export function getAuditExport(deps: AdminAuditDeps, format: AuditExportFormat): RequestHandler {
  return async (req, res) => {
    const adminIdNat = await requireAdmin(deps, req, res);
    if (!adminIdNat) return;
    const { lang: _lang, upto, ...search } = parseQuery(auditExportQuery, req.query);
    const matches = await deps.auditLog.searchAll(auditQueryOf(search), { upto });
    await deps.audit.record(
      {
        type: 'admin.action',
        outcome: 'info',
        actor: adminIdNat,
        details: { action: 'audit.export', format, ...search, upto: matches.upto ?? null, results: matches.total },
      },
      req,
    );
    const stamp = new Date()
      .toISOString()
      .replace(/\.\d+Z$/, 'Z')
      .replace(/[-:]/g, '');
    res
      .status(200)
      .set({ 'cache-control': 'no-store', 'x-audit-events': String(matches.total) })
      .type(CONTENT_TYPES[format])
      .attachment(`journal-audit-${stamp}.${format}`);
    const render = (events: AuditEvent[]) => (format === 'csv' ? toCsv(events, { header: false }) : toJsonl(events));
    try {
      if (format === 'csv' && !(await write(res, toCsv([])))) return;
      let batch: AuditEvent[] = [];
      for await (const event of matches.events(CHUNK)) {
        batch.push(event);
        if (batch.length < CHUNK) continue;
        if (!(await write(res, render(batch)))) return;
        batch = [];
      }
      if (batch.length && !(await write(res, render(batch)))) return;
      res.end();
    } catch (err) {
      // Headers are gone: the client sees a cut download, never a complete-looking file.
      req.log?.error({ err }, 'audit export failed while streaming');
      res.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  };
}
