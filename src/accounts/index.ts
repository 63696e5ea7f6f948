export { createAccountRepository, type AccountRepository, type PscLogin } from './repository.ts';
export { accountClaims } from './claims.ts';
export { ID_NAT_PATTERN, type PractitionerAccount, type PscProfile } from './practitioner.ts';
export { createActivityLog, ACTIVITY_KEPT, type ActivityEntry, type ActivityLog } from './activity.ts';
export { professionOf } from './profession.ts';
export { establishmentsOf } from './establishment.ts';
export { PROFESSIONS, professionLabel } from './professions.ts';
export { firstNameForGreeting } from './first-name.ts';
