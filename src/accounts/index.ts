export { createAccountRepository, type AccountRepository, type PscLogin } from './repository.ts';
export { accountClaims } from './claims.ts';
export { ID_NAT_PATTERN, type PractitionerAccount, type PscProfile } from './practitioner.ts';
export { createSignInLog, SIGN_INS_KEPT, type SignIn, type SignInLog } from './sign-ins.ts';
