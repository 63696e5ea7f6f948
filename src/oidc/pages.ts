/**
 * oidc-provider's own pages (error, logout confirmation, signed out) rendered with the
 * gateway's templates, so that they are French first, styled and CSP-compliant. An explicit
 * `?lang=` is remembered as on the gateway's pages; the language link shows a page requested by
 * GET again at its address, except the one-time resumption of an authorization (/auth/<uid>),
 * and a page answering a form (the logout confirmation's POST) has none. An error page links
 * back to the request's application when the client is known (client-home.ts); its message is
 * chosen as for the gateway's own refusals (http/refusal.ts messageKeyOf), from the OAuth error
 * oidc-provider answers.
 */
import type { KoaContextWithOIDC, ErrorOut } from 'oidc-provider';
import type { Views, PageContext } from '../http/views.ts';
import { LANG_COOKIE, LANG_COOKIE_OPTIONS, detectLocale, isLocale } from '../http/i18n.ts';
import { messageKeyOf } from '../http/refusal.ts';
import { backLinkOfClient } from './client-home.ts';

/** The address showing this page again: a GET's own, unless it resumes an authorization (`/auth/<uid>`). */
function showAgainAt(ctx: KoaContextWithOIDC, authorizationPath: string): string | undefined {
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return undefined;
  return ctx.path.startsWith(`${authorizationPath}/`) ? undefined : ctx.originalUrl;
}

function pageContext(ctx: KoaContextWithOIDC, authorizationPath: string): PageContext {
  const res = ctx.res as unknown as { locals?: { cspNonce?: string } };
  const req = ctx.req as unknown as { id?: string };
  const query = ctx.query.lang;
  if (isLocale(query)) ctx.cookies.set(LANG_COOKIE, query, { ...LANG_COOKIE_OPTIONS, secure: ctx.secure, signed: false, overwrite: true });
  return {
    lang: detectLocale(query, ctx.cookies.get(LANG_COOKIE, { signed: false }), ctx.get('accept-language')),
    nonce: res.locals?.cspNonce ?? '',
    requestId: req.id ? String(req.id) : '',
    showAgainAt: showAgainAt(ctx, authorizationPath),
  };
}

/** `authorizationPath`: the authorization endpoint's path (OIDC_ROUTES.authorization). */
export function oidcPages(views: Views, authorizationPath: string) {
  return {
    async renderError(ctx: KoaContextWithOIDC, out: ErrorOut, _error: Error) {
      ctx.type = 'html';
      ctx.set('cache-control', 'no-store');
      const back = backLinkOfClient(ctx.oidc?.client);
      ctx.body = views.render('error', pageContext(ctx, authorizationPath), {
        messageKey: messageKeyOf(views, { code: out.error }),
        code: out.error,
        description: out.error_description,
        back,
      });
    },
    async logoutSource(ctx: KoaContextWithOIDC, form: string) {
      ctx.type = 'html';
      ctx.body = views.render('logout', pageContext(ctx, authorizationPath), { form });
    },
    async postLogoutSuccessSource(ctx: KoaContextWithOIDC) {
      ctx.type = 'html';
      ctx.body = views.render('logged-out', pageContext(ctx, authorizationPath));
    },
  };
}
