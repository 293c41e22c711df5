/**
 * Builds the Express app from its dependencies; `server.ts` makes it listen, tests drive it
 * with supertest. No setting is read here: everything comes in through the context.
 */
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { AppContext } from './context';
import { homeRoutes } from './features/home/routes';
import { PUBLIC_DIR, VIEWS_DIR } from './paths';

export function createApp(context: AppContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('view engine', 'ejs');
  app.set('views', VIEWS_DIR);
  app.set('trust proxy', context.config.trustProxy);
  app.locals.chain = { chainId: context.ledger.chainId, contract: context.ledger.deployment.address };

  app.use('/static', express.static(PUBLIC_DIR, { maxAge: '1h' }));
  app.use(homeRoutes(context.ledger));

  app.use((_req, res) => {
    res.status(404).render('errors/error', { title: 'Page not found', status: 404, message: 'There is no page at this address.' });
  });
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    console.error(error);
    res.status(500).render('errors/error', { title: 'Something went wrong', status: 500, message: 'The server could not complete this request.' });
  };
  app.use(onError);
  return app;
}
