/**
 * refuseForeignRevocation: the revocation endpoint's policy (oidc-provider's
 * `features.revocation.allowedPolicy`). A client revokes only tokens issued to itself; for
 * another client's token the request is refused and the client told (RFC 7009 §2.1): 400
 * `unauthorized_client`, the token left as it was. oidc-provider's default answers 200 and
 * revokes nothing, which lets an application that revokes with the wrong client_id believe a
 * live token is dead. What the answer reveals is only that the token the caller already holds
 * belongs to someone else; unknown and expired tokens stay a 200 (RFC 7009 §2.2).
 */
import { errors, type KoaContextWithOIDC } from 'oidc-provider';

type Client = { clientId: string };
type Token = { clientId?: string };

export async function refuseForeignRevocation(_ctx: KoaContextWithOIDC, client: Client, token: Token): Promise<boolean> {
  if (token.clientId === client.clientId) return true;
  throw new errors.UnauthorizedClient('this token was not issued to this client; it was not revoked');
}
