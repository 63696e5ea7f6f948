/**
 * `npm run mds -- <command>`: the FIDO Metadata Service BLOB the gateways verify key attestations
 * and model status reports with, imported offline into the shared Redis store.
 *   import FILE [--root PEM]  verifies FILE (signature chain to the FIDO root shipped in
 *                             config/fido-mds-root.pem, or to --root; nextUpdate in the future;
 *                             no older than the BLOB loaded) and stores it; audited
 *   status                    the BLOB loaded: no, nextUpdate, import time, models
 * Exit codes: 0 done (status: a BLOB is loaded and current), 1 status: none loaded or past its
 * nextUpdate, 2 bad usage, input or configuration (one line on stderr, nothing stored).
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runAdminCli, type AdminContext } from './context.ts';
import { importBlob } from '../mds/import-blob.ts';
import { createMetadataStore, isStale, METADATA_REFRESH_MS } from '../mds/metadata-store.ts';
import { PemFileError, readPemCertificates } from '../mds/pem-certificates.ts';
import { MdsBlobError } from '../mds/verify-blob.ts';

/** The FIDO MDS3 root shipped with the gateway (GlobalSign Root CA - R3). */
const FIDO_MDS_ROOT_FILE = fileURLToPath(new URL('../../config/fido-mds-root.pem', import.meta.url));

/** A BLOB is a few MB; anything much larger is not one. */
const MAX_BLOB_BYTES = 64 * 1024 * 1024;

const USAGE = [
  'usage: npm run mds -- <command>',
  '  import FILE [--root PEM]   verifies a BLOB downloaded from https://mds3.fidoalliance.org/ and loads it for every instance',
  '  status                     the BLOB loaded: no, nextUpdate, import time, models',
].join('\n');

type Request = { command: 'import'; file: string; root: string } | { command: 'status' };

function parse(argv: string[]): Request | string {
  let values: { root?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { root: { type: 'string' } } }));
  } catch (err) {
    return (err as Error).message;
  }
  const [name, ...args] = positionals;
  if (!name) return 'no command';
  if (name === 'import') {
    if (args.length !== 1) return `import takes FILE, got ${args.length ? args.join(' ') : 'nothing'}`;
    return { command: 'import', file: args[0]!, root: values.root ?? FIDO_MDS_ROOT_FILE };
  }
  if (name === 'status') {
    if (args.length) return `status takes no argument, got ${args.join(' ')}`;
    if (values.root !== undefined) return '--root goes with import';
    return { command: 'status' };
  }
  return `unknown command "${name}"`;
}

/** The file's text, or a one-line reason. */
async function readBlobFile(file: string): Promise<string | { error: string }> {
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) return { error: 'a folder, not a BLOB file' };
    if (stat.size > MAX_BLOB_BYTES) return { error: `${stat.size} bytes: too large for a BLOB (at most ${MAX_BLOB_BYTES})` };
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message };
  }
}

async function runImport(ctx: AdminContext, file: string, rootFile: string): Promise<number> {
  const event = { type: 'admin.action' as const, details: { action: 'mds-import', target: file, operator: ctx.operator } };
  const text = await readBlobFile(file);
  let roots: string[];
  try {
    if (typeof text !== 'string') throw new MdsBlobError(text.error);
    roots = readPemCertificates(rootFile);
  } catch (err) {
    if (!(err instanceof MdsBlobError) && !(err instanceof PemFileError)) throw err;
    const line = err instanceof PemFileError ? `trusted root ${err.message}` : `${file}: ${err.message}`;
    console.error(`mds import: ${line}`);
    return 2;
  }
  const metadata = createMetadataStore(ctx.store, ctx.keyNames);
  try {
    const { info, previous, unchanged } = await importBlob(metadata, text, { roots });
    if (unchanged) {
      await ctx.audit({ ...event, outcome: 'info', details: { ...event.details, no: info.no, nextUpdate: info.nextUpdate, unchanged: true } });
      ctx.out(`BLOB no. ${info.no} is already loaded (nextUpdate ${info.nextUpdate}, imported ${new Date(info.importedAt).toISOString()}): nothing changed`);
      return 0;
    }
    await ctx.audit({
      ...event,
      outcome: 'success',
      details: {
        ...event.details,
        no: info.no,
        nextUpdate: info.nextUpdate,
        count: info.entries,
        previous: previous?.no ?? null,
        root: rootFile === FIDO_MDS_ROOT_FILE ? 'fido' : rootFile,
      },
    });
    ctx.out(
      `loaded BLOB no. ${info.no} (nextUpdate ${info.nextUpdate}, ${info.entries} models with an AAGUID)${previous ? `, replacing no. ${previous.no}` : ''}; every gateway instance uses it within ${METADATA_REFRESH_MS / 1000} s`,
    );
    return 0;
  } catch (err) {
    if (!(err instanceof MdsBlobError)) throw err;
    await ctx.audit({ ...event, outcome: 'failure', reason: 'blob-refused', details: { ...event.details, refusal: err.message } });
    console.error(`mds import: ${file}: ${err.message}; nothing was stored`);
    return 2;
  }
}

async function runStatus(ctx: AdminContext): Promise<number> {
  const info = await createMetadataStore(ctx.store, ctx.keyNames).info();
  if (!info) {
    ctx.out('no BLOB loaded: no key attestation verifies to the FIDO roots and no status report applies (npm run mds -- import FILE)');
    return 1;
  }
  const stale = isStale(info, Date.now());
  ctx.out(
    `BLOB no. ${info.no}, nextUpdate ${info.nextUpdate}${stale ? ' (PASSED: still used; import the current BLOB)' : ''}, imported ${new Date(info.importedAt).toISOString()}, ${info.entries} models with an AAGUID`,
  );
  return stale ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  return runAdminCli(
    'mds',
    USAGE,
    argv,
    parse,
    (request, ctx) => (request.command === 'import' ? runImport(ctx, request.file, request.root) : runStatus(ctx)),
    (request) => request.command,
  );
}

process.exitCode = await main(process.argv.slice(2));
