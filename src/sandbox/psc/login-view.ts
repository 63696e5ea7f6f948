/**
 * View model of the login page: how each test practitioner is presented (name, profession,
 * establishment, idNat) and which choices are pre-selected.
 */
import { PROFESSIONS } from '../../accounts/professions.ts';
import { ACR_VALUES, MEANS } from './means.ts';
import type { Practitioner } from './practitioners.ts';
import { INTERACTION_PATH } from './paths.ts';
import { renderPage } from './views.ts';

/** Raw form values, echoed back when the page is shown again with an error. */
export interface LoginFormValues {
  practitioner?: string;
  means?: string;
  forceAcr?: string;
  forceAuthMode?: string;
}

export interface LoginPageInput {
  uid: string;
  issuer: string;
  clientId: string;
  requestedAcr: string | undefined;
  practitioners: readonly Practitioner[];
  values?: LoginFormValues;
  error?: string;
  /** Information shown above the form (the establishment's sign-in did not succeed…). */
  notice?: string | undefined;
  /** The "Délégation" choice: sign in through the establishment's identity provider. */
  delegation?: { label: string; href: string } | undefined;
}

function profession(p: Practitioner): string {
  return p.SubjectRefPro.exercices
    .map((e) => {
      const label = PROFESSIONS[e.codeProfession] ?? `Profession ${e.codeProfession}`;
      const student = e.codeCategorieProfessionnelle === 'E' ? ' — interne (catégorie E, étudiant)' : '';
      const skill = e.codeSavoirFaire ? ` (${e.codeSavoirFaire})` : '';
      return `${label}${skill}${student}`;
    })
    .join(' ; ');
}

function establishments(p: Practitioner): string {
  const places = p.SubjectRefPro.exercices.flatMap((e) =>
    e.activities.map((a) => (a.numeroFinessSite ? `${a.raisonSocialeSite} (FINESS ${a.numeroFinessSite})` : a.raisonSocialeSite)),
  );
  const unique = [...new Set(places.filter(Boolean))];
  return unique.length ? unique.join(' ; ') : p.SubjectOrganization;
}

/** HTML of the login page. */
export function renderLoginPage(input: LoginPageInput): string {
  // First display: the first practitioner and the card are pre-selected. Shown again after
  // an error: exactly what was submitted, so the message and the selection agree.
  const values = input.values ?? {};
  const selectedPractitioner = input.values ? values.practitioner : input.practitioners[0]?.idNat;
  const selectedMeans = input.values ? values.means : MEANS[0]?.id;
  return renderPage('login', {
    title: input.error ? 'Erreur — Connexion' : 'Connexion',
    issuer: input.issuer,
    action: `${INTERACTION_PATH}/${encodeURIComponent(input.uid)}`,
    clientId: input.clientId,
    requestedAcr: input.requestedAcr,
    error: input.error,
    notice: input.notice,
    delegation: input.delegation,
    practitioners: input.practitioners.map((p, index) => ({
      id: `praticien-${index}`,
      idNat: p.idNat,
      name: `${p.given_name} ${p.family_name}`.trim(),
      profession: profession(p),
      establishments: establishments(p),
      note: p.note,
      checked: p.idNat === selectedPractitioner,
    })),
    means: MEANS.map((m) => ({ ...m, checked: m.id === selectedMeans })),
    acrOptions: [{ value: '', label: 'Selon le moyen choisi (carte : eidas3, e-CPS : eidas2)' }, ...ACR_VALUES.map((v) => ({ value: v, label: v }))].map(
      (o) => ({ ...o, selected: o.value === (values.forceAcr ?? '') }),
    ),
    authModeOptions: [
      { value: '', label: 'Selon le moyen choisi' },
      { value: 'unknown', label: 'Valeur inconnue (OTHER)' },
      { value: 'absent', label: 'Absente (claim authMode omis)' },
    ].map((o) => ({ ...o, selected: o.value === (values.forceAuthMode ?? '') })),
  });
}
