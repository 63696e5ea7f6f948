/**
 * `npm run admin -- emergency-code <idNat> [--hours N]`: an emergency access code for a
 * clinician whose means are unusable, to hand over in person after checking who they are.
 * The code is printed once (stdout); the audit trail and a warning line (stderr) record the
 * issuance, never the code. Exit 0 issued, 1 no such clinician, 2 bad hours.
 */
import { pino } from 'pino';
import { serializeError } from '../logging/error-serializer.ts';
import { createAccountRepository } from '../accounts/index.ts';
import { createEmergencyCodes, issueEmergencyCode } from '../emergency/index.ts';
import type { AdminContext } from './context.ts';

export async function emergencyCode(ctx: AdminContext, idNat: string, hours: number | undefined): Promise<number> {
  const accounts = createAccountRepository(ctx.store, ctx.keyNames);
  const log = pino({ name: 'admin', level: 'warn', serializers: { err: serializeError } }, pino.destination(2));
  const maxHours = ctx.config.emergency.validityHours;
  const result = await issueEmergencyCode(
    {
      codes: createEmergencyCodes(ctx.store, ctx.keyNames),
      accountExists: async (id) => (await accounts.find(id)) !== undefined,
      audit: (event) => ctx.audit(event),
      warn: (fields, message) => log.warn(fields, message),
      maxHours,
    },
    { idNat, hours, issuedBy: ctx.operator, via: 'cli', now: Date.now() },
  );
  if (!result.ok) {
    if (result.reason === 'validity-too-long') {
      console.error(`admin emergency-code: --hours must be a whole number from 1 to ${maxHours} (emergency.validityHours), got ${String(hours)}`);
      return 2;
    }
    console.error(`admin emergency-code: no clinician ${idNat} here (a code is only for a clinician who signed in once through Pro Santé Connect)`);
    return 1;
  }
  ctx.out(`emergency access code for ${idNat}: ${result.code}`);
  ctx.out(
    `valid once, until ${new Date(result.grant.expiresAt).toISOString()}; hand it over in person. The session it opens is at the lowest level (eidas1): applications that need more refuse it.`,
  );
  return 0;
}
