/**
 * Parses the login form POST into a login or a refusal. Anything missing or unexpected
 * yields a French message for the re-rendered page (HTTP 400), never an exception.
 */
import type { LoginFormValues } from './login-view.ts';
import { ACR_VALUES, AUTH_MODE_OVERRIDES, MEANS, type Acr, type AuthModeOverride, type Means } from './means.ts';
import type { Practitioner } from './practitioners.ts';

/** The form's field names (the gateway's tests may post them directly). */
export const LOGIN_FIELDS = ['action', 'practitioner', 'means', 'forceAcr', 'forceAuthMode'] as const;

export type LoginSubmission =
  { action: 'refuse' } | { action: 'login'; practitioner: Practitioner; means: Means; forceAcr: Acr | ''; forceAuthMode: AuthModeOverride };

export type ParsedLoginForm = { ok: true; submission: LoginSubmission } | { ok: false; error: string; values: LoginFormValues };

function field(body: Record<string, unknown>, name: string): string | undefined | null {
  const value = body[name];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : null; // null: repeated field or not text
}

export function parseLoginForm(body: unknown, practitioners: readonly Practitioner[]): ParsedLoginForm {
  const form = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const text = (name: string) => {
    const v = field(form, name);
    return typeof v === 'string' ? v.slice(0, 200) : undefined;
  };
  const values: LoginFormValues = {
    practitioner: text('practitioner'),
    means: text('means'),
    forceAcr: text('forceAcr'),
    forceAuthMode: text('forceAuthMode'),
  };
  const fail = (error: string): ParsedLoginForm => ({ ok: false, error, values });

  for (const name of LOGIN_FIELDS) {
    if (field(form, name) === null) return fail(`Le champ «\u00a0${name}\u00a0» a été envoyé plusieurs fois ou n’est pas du texte.`);
  }

  const action = field(form, 'action');
  if (action === 'refuse') return { ok: true, submission: { action: 'refuse' } };
  if (action !== 'login') return fail('Choisissez «\u00a0Se connecter\u00a0» ou «\u00a0Refuser\u00a0».');

  const idNat = field(form, 'practitioner');
  if (!idNat) return fail('Choisissez un professionnel de santé de test.');
  const practitioner = practitioners.find((p) => p.idNat === idNat);
  if (!practitioner) return fail('Le professionnel choisi ne fait pas partie des identités de test. Choisissez-en un dans la liste.');

  const meansId = field(form, 'means');
  const means = MEANS.find((m) => m.id === meansId);
  if (!means) return fail('Choisissez un moyen d’authentification : Carte CPS ou Application e-CPS.');

  const forceAcr = field(form, 'forceAcr') ?? '';
  if (forceAcr !== '' && !(ACR_VALUES as readonly string[]).includes(forceAcr)) {
    return fail(`Le niveau acr forcé doit être vide ou l’une des valeurs ${ACR_VALUES.join(', ')}.`);
  }
  const forceAuthMode = field(form, 'forceAuthMode') ?? '';
  if (!(AUTH_MODE_OVERRIDES as readonly string[]).includes(forceAuthMode)) {
    return fail('La valeur forcée de authMode doit être «\u00a0selon le moyen choisi\u00a0», «\u00a0inconnue\u00a0» ou «\u00a0absente\u00a0».');
  }

  return {
    ok: true,
    submission: { action: 'login', practitioner, means, forceAcr: forceAcr as Acr | '', forceAuthMode: forceAuthMode as AuthModeOverride },
  };
}
