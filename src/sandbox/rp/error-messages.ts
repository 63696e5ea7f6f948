/**
 * What the demo application tells a clinician when the gateway sends back an error instead of
 * a code: a French sentence chosen by the OAuth error code. The gateway's error_description is
 * for developers (English, ASCII only, RFC 6749 §5.2): the page shows it only as a technical
 * detail for the support, marked as English.
 */
const MESSAGES: Record<string, string> = {
  access_denied: 'Vous avez annulé la connexion, ou refusé de vous identifier sur Pro Santé Connect.',
  unmet_authentication_requirements: 'Le niveau d’authentification qu’exige cette application n’a pas pu être atteint.',
  temporarily_unavailable: 'Le service d’identification est momentanément indisponible. Réessayez dans quelques instants.',
  login_required: 'Une nouvelle identification est nécessaire.',
  interaction_required: 'Une nouvelle identification est nécessaire.',
  consent_required: 'Votre accord est nécessaire pour ouvrir l’application.',
};

export function callbackErrorMessage(error: string): string {
  return MESSAGES[error] ?? 'La connexion n’a pas abouti.';
}
