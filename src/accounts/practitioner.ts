/**
 * A practitioner account: the professional identity PSC vouched for, keyed by the national
 * identifier (idNat = PSC's SubjectNameID), and when PSC last vouched for it.
 */

/** Professional claims as PSC returns them (shape: ../shared/reference/psc.md). */
export interface PscProfile {
  SubjectNameID: string;
  given_name?: string;
  family_name?: string;
  email?: string;
  SubjectRefPro?: unknown;
  SubjectOrganization?: string;
  SubjectOrganizationID?: string;
  SubjectRole?: string[];
  Secteur_Activite?: string;
  otherIds?: unknown[];
}

export interface PractitionerAccount {
  /** National identifier (RPPS/ADELI-based or sandbox id); also the gateway's `sub`. */
  idNat: string;
  /** PSC's own subject (`f:<uuid>:<idNat>`). */
  pscSub: string;
  profile: PscProfile;
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
  /** Last time PSC authenticated this practitioner (epoch ms). */
  pscVerifiedAt: number;
  /** PSC `authMode` of that login (CARD, MOBILE, …) and the `acr` PSC returned. */
  lastPscAuthMode: string | null;
  lastPscAcr: string | null;
}

/** idNat is used in storage keys: only letters and digits, as PSC issues them. */
export const ID_NAT_PATTERN = /^[A-Za-z0-9]{1,40}$/;
