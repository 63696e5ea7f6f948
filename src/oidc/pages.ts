/**
 * oidc-provider's own pages (error, logout confirmation, signed out) rendered with the
 * gateway's templates, so that they are French first, styled and CSP-compliant. An error
 * page links back to the request's application when the client is known (client-home.ts).
 */
import type { KoaContextWithOIDC, ErrorOut } from 'oidc-provider';
import type { Views } from '../http/views.ts';
import { LANG_COOKIE, detectLocale } from '../http/i18n.ts';
import { backLinkOfClient } from './client-home.ts';

function pageContext(ctx: KoaContextWithOIDC) {
  const res = ctx.res as unknown as { locals?: { cspNonce?: string } };
  const req = ctx.req as unknown as { id?: string };
  return {
    lang: detectLocale(ctx.query.lang, ctx.cookies.get(LANG_COOKIE), ctx.get('accept-language')),
    nonce: res.locals?.cspNonce ?? '',
    requestId: req.id ? String(req.id) : '',
    path: ctx.originalUrl,
  };
}

export function oidcPages(views: Views) {
  return {
    async renderError(ctx: KoaContextWithOIDC, out: ErrorOut, _error: Error) {
      const code = views.has(`error.${out.error}`) ? out.error : 'generic';
      ctx.type = 'html';
      ctx.set('cache-control', 'no-store');
      const back = backLinkOfClient(ctx.oidc?.client);
      ctx.body = views.render('error', pageContext(ctx), { messageKey: `error.${code}`, code: out.error, description: out.error_description, back });
    },
    async logoutSource(ctx: KoaContextWithOIDC, form: string) {
      ctx.type = 'html';
      ctx.body = views.render('logout', pageContext(ctx), { form });
    },
    async postLogoutSuccessSource(ctx: KoaContextWithOIDC) {
      ctx.type = 'html';
      ctx.body = views.render('logged-out', pageContext(ctx));
    },
  };
}
