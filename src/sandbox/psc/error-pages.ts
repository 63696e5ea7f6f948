/**
 * Last-resort express handlers: a French 404 page, and an error handler that logs the error
 * and answers a French page without any stack trace or internal message.
 */
import type { NextFunction, Request, Response } from 'express';
import type { SimulatorLogger } from './logger.ts';
import { PAGE_CSP, renderMessagePage } from './views.ts';

export function notFound(_req: Request, res: Response): void {
  res
    .status(404)
    .set('Content-Security-Policy', PAGE_CSP)
    .type('html')
    .send(
      renderMessagePage({
        title: 'Page introuvable',
        heading: 'Page introuvable',
        message: 'Cette adresse n’existe pas sur le simulateur Pro Santé Connect.',
        kind: 'error',
      }),
    );
}

export function errorHandler(logger: SimulatorLogger) {
  return function handleError(err: unknown, req: Request, res: Response, _next: NextFunction): void {
    const status = (err as { status?: unknown }).status;
    const clientError = typeof status === 'number' && status >= 400 && status < 500;
    if (clientError) logger.warn({ path: req.path, status, reason: (err as Error).message }, 'PSC simulator: bad request');
    else logger.error({ err, path: req.path }, 'PSC simulator: internal error');
    if (res.headersSent) {
      res.end();
      return;
    }
    res
      .status(clientError ? status : 500)
      .set('Content-Security-Policy', PAGE_CSP)
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(
        renderMessagePage({
          title: 'Erreur',
          heading: clientError ? 'Requête invalide' : 'Erreur interne du simulateur',
          message: clientError
            ? 'La requête envoyée au simulateur Pro Santé Connect est invalide. Relancez la connexion depuis l’application.'
            : 'Le simulateur Pro Santé Connect a rencontré une erreur. Relancez la connexion ; si le problème persiste, consultez ses journaux.',
          kind: 'error',
        }),
      );
  };
}
