/**
 * Verifies a FIDO MDS3 BLOB downloaded by an operator: a JWS whose x5c header chain must lead to
 * one of `roots` (FIDO's root, config/fido-mds-root.pem, in production) and whose signature must
 * verify with the first certificate — both checked by @simplewebauthn/server's verifyMDSBlob;
 * then its `nextUpdate` must be in the future. Throws MdsBlobError (one line) otherwise.
 */
import { SettingsService } from '@simplewebauthn/server';
import { verifyMDSBlob } from '@simplewebauthn/server/helpers';
import { z } from 'zod';
import type { MdsEntry, VerifiedBlob } from './types.ts';

/** The file is not a BLOB the gateway can trust; `message` is one line for the operator. */
export class MdsBlobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MdsBlobError';
  }
}

export interface VerifyBlobOptions {
  /** PEM root certificates the BLOB's chain must lead to. */
  roots: string[];
  /** Default new Date(). */
  now?: Date;
}

const AAGUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const BASE64URL_PART = /^[A-Za-z0-9_-]+$/;

const headerSchema = z.looseObject({
  alg: z.string(),
  x5c: z.array(z.string().min(1)).min(1),
});

const entrySchema = z.looseObject({
  aaguid: z.string().regex(AAGUID).optional(),
  metadataStatement: z
    .looseObject({
      description: z.string().optional(),
      attestationRootCertificates: z.array(z.string()).default([]),
    })
    .optional(),
  statusReports: z.array(z.looseObject({ status: z.string(), effectiveDate: z.string().optional() })).default([]),
});

const payloadSchema = z.looseObject({
  no: z.number().int().nonnegative(),
  nextUpdate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD'),
  entries: z.array(entrySchema),
});

function decodePart(part: string, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new MdsBlobError(`not an MDS BLOB: its ${what} is not base64url JSON`);
  }
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.length ? issue.path.map(String).join('.') : 'value'}: ${issue?.message ?? 'invalid'}`;
}

/** The library's reason, and its cause's, on one line. */
function reasonOf(error: unknown): string {
  const messages: string[] = [];
  for (let e = error; e instanceof Error && messages.length < 3; e = e.cause) messages.push(e.message.split('\n')[0]!);
  return messages.join(': ') || String(error);
}

/**
 * The library reads the MDS roots from its process-wide SettingsService synchronously, before
 * its first await: set ours just for that call and put the previous ones back at once, so that
 * nothing else in the process sees them.
 */
function verifyWithRoots(blob: string, roots: string[]): ReturnType<typeof verifyMDSBlob> {
  const previous = SettingsService.getRootCertificates({ identifier: 'mds' });
  SettingsService.setRootCertificates({ identifier: 'mds', certificates: roots });
  try {
    return verifyMDSBlob(blob);
  } finally {
    SettingsService.setRootCertificates({ identifier: 'mds', certificates: previous });
  }
}

export async function verifyBlob(text: string, options: VerifyBlobOptions): Promise<VerifiedBlob> {
  if (options.roots.length === 0) throw new MdsBlobError('no trusted MDS root certificate to verify the BLOB with');
  const blob = text.trim();
  const parts = blob.split('.');
  if (parts.length !== 3 || !parts.every((part) => BASE64URL_PART.test(part))) {
    throw new MdsBlobError(
      `not an MDS BLOB: expected a JWS in compact form (three base64url parts separated by dots), got ${parts.length} part(s)${blob.length === 0 ? ' (empty file)' : ''}`,
    );
  }
  const header = headerSchema.safeParse(decodePart(parts[0]!, 'header'));
  if (!header.success) throw new MdsBlobError(`not an MDS BLOB: header ${firstIssue(header.error)} (expected alg and an x5c certificate chain)`);
  const payload = payloadSchema.safeParse(decodePart(parts[1]!, 'payload'));
  if (!payload.success) throw new MdsBlobError(`not an MDS BLOB: payload ${firstIssue(payload.error)}`);

  try {
    await verifyWithRoots(blob, options.roots);
  } catch (error) {
    const reason = reasonOf(error);
    if (/certificate path/i.test(reason))
      throw new MdsBlobError(`the BLOB's certificate chain does not lead to the trusted MDS root (${reason})`, { cause: error });
    if (/signature/i.test(reason))
      throw new MdsBlobError("the BLOB's signature does not verify with its certificate: the file was altered or not signed by MDS", { cause: error });
    throw new MdsBlobError(`the BLOB could not be verified: ${reason}`, { cause: error });
  }

  const { no, nextUpdate } = payload.data;
  const now = options.now ?? new Date();
  if (Date.parse(`${nextUpdate}T00:00:00Z`) <= now.getTime()) {
    throw new MdsBlobError(`the BLOB is out of date: nextUpdate ${nextUpdate} has passed (download the current one from https://mds3.fidoalliance.org/)`);
  }
  const entries: MdsEntry[] = [];
  for (const entry of payload.data.entries) {
    if (!entry.aaguid) continue; // U2F and UAF models: named by key identifiers, not by AAGUID
    entries.push({
      aaguid: entry.aaguid.toLowerCase(),
      description: entry.metadataStatement?.description ?? '',
      attestationRootCertificates: entry.metadataStatement?.attestationRootCertificates ?? [],
      statusReports: entry.statusReports.map((report) => ({ status: report.status, effectiveDate: report.effectiveDate })),
    });
  }
  return { no, nextUpdate, entries };
}
