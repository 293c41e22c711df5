/**
 * Builds the Express app from its dependencies; `server.ts` makes it listen, tests drive it
 * with supertest. No setting is read here: everything comes in through the context.
 */
import express, { type Express } from 'express';
import session from 'express-session';
import { csrfSync } from 'csrf-sync';
import helmet from 'helmet';
import type { AppContext } from './context';
import { ROLE_NAMES, ROLES } from './domain/roles';
import { utcMinute } from './domain/time';
import { facadeOf } from './ledger';
import { accessLogRoutes } from './features/access-log/routes';
import { adminRoutes } from './features/admin/routes';
import { auditRoutes } from './features/audit/routes';
import { authRoutes } from './features/auth/routes';
import { doctorRoutes } from './features/doctor/routes';
import { explorerRoutes, ledgerPanels } from './features/explorer/routes';
import { fhirRoutes, fhirUpload } from './features/fhir/routes';
import { fileRoutes, recordFilesUpload } from './features/files/routes';
import { MAX_FILES_PER_RECORD } from './features/files/service';
import { ACCEPT, ALLOWED_WORDS } from './features/files/types';
import { healthRoutes, homeRoutes } from './features/home/routes';
import { emergencyRoutes } from './features/emergency/routes';
import { insurerRoutes } from './features/insurer/routes';
import { pharmacyRoutes } from './features/pharmacy/routes';
import { patientRoutes } from './features/patient/routes';
import { PUBLIC_DIR, VIEWS_DIR } from './paths';
import type { Services } from './services';
import { SealedSessionStore } from './store/session-store';
import { accountRoutes } from './features/account/routes';
import { keepTypedForm, mustChangePasswordGate, sessionLifetime, SESSION_IDLE_MS } from './web/auth';
import { lazyText } from './web/session';
import { createLoginThrottle } from './web/throttle';
import { flashMessages } from './web/flash';
import { ledgerRequired } from './web/ledger-check';
import { requestLog, type LogLine } from './web/request-log';
import { errorHandler, notFoundHandler } from './web/http-error';

export const SESSION_COOKIE = 'ehr.sid';

export interface AppOptions {
  /** The clock of sessions (tests move it forward). */
  readonly now?: () => number;
  /** Where request log lines go. */
  readonly log?: LogLine;
  /** Where errors and outages are logged (default: stderr). */
  readonly errorLog?: (line: string) => void;
}

export function createApp(context: AppContext, services: Services, options: AppOptions = {}): Express {
  const now = options.now ?? Date.now;
  const ledger = facadeOf(context.ledger);
  // Its sweeper runs on a timer: stopped when the context closes, before the database does.
  const sessionStore = new SealedSessionStore(context.store.sessions, context.masterKey, now);
  context.closeWith(() => sessionStore.close());
  const app = express();
  app.disable('x-powered-by');
  app.set('view engine', 'ejs');
  app.set('views', VIEWS_DIR);
  app.set('trust proxy', context.config.trustProxy);
  app.locals.chain = { chainId: ledger.chainId, contract: ledger.deployment.address };
  // The role registry, for the navigation, the login pages and the home page's links.
  app.locals.roles = ROLES;
  app.locals.roleNames = ROLE_NAMES;
  app.locals.utcMinute = utcMinute; // every time a page shows, in one format
  // What the forms that attach files say of their limits.
  app.locals.fileLimits = { maxFiles: MAX_FILES_PER_RECORD, maxMb: context.config.maxFileBytes / 1024 / 1024, accept: ACCEPT, allowed: ALLOWED_WORDS };

  app.use(requestLog(options.log));
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          formAction: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          frameAncestors: ["'none'"],
        },
      },
      referrerPolicy: { policy: 'same-origin' },
    }),
  );
  app.use('/static', express.static(PUBLIC_DIR, { maxAge: '1h' }));
  // Browsers ask for /favicon.ico whatever the page links: the linked SVG, a static file like /static.
  app.use('/favicon.ico', (req, res, next) =>
    (req.method === 'GET' || req.method === 'HEAD') && req.path === '/' ? res.type('image/svg+xml').sendFile('favicon.svg', { root: PUBLIC_DIR, maxAge: '1d' }) : next(),
  );
  app.use(healthRoutes(ledger));

  app.use(express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 1000 }));
  app.use(
    session({
      name: SESSION_COOKIE,
      secret: context.sessionSecret,
      store: sessionStore,
      resave: false,
      saveUninitialized: false,
      rolling: true, // each request restarts the idle timeout
      // Secure when the request came over HTTPS (behind TRUST_PROXY proxies, by X-Forwarded-Proto).
      cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: SESSION_IDLE_MS },
    }),
  );
  app.use(sessionLifetime(now));
  app.use(flashMessages(context.masterKey, SESSION_IDLE_MS)); // before anything that may flash (a kept form's message)

  // Synchronizer token in the session, sent back by every form as `_csrf`.
  const { csrfSynchronisedProtection, generateToken } = csrfSync({
    getTokenFromRequest: req => (typeof req.body?._csrf === 'string' ? req.body._csrf : undefined),
  });
  app.use(keepTypedForm); // a form posted after its session ended: kept for after the login
  app.use(fhirUpload()); // the import's upload holds its _csrf field: read before the check, for signed-in patients only
  app.use(recordFilesUpload(services.files)); // likewise the forms that attach files (a report's, a prescription's)
  app.use(csrfSynchronisedProtection);
  app.use((req, res, next) => {
    res.locals.user = req.session.user ?? null;
    res.locals.csrfToken = lazyText(() => generateToken(req)); // only pages with a form make a session
    res.locals.path = req.path;
    next();
  });
  app.use(ledgerRequired(ledger)); // signed-in pages and signups: 503 while the node is out of reach or the wrong chain
  app.use(ledgerPanels(services.explorer)); // a write's flash explained: what it did on the ledger

  app.use(homeRoutes());
  // A user with a one-time password (the admin's reset) goes nowhere but /account/password until they choose their own.
  app.use(mustChangePasswordGate);
  app.use(authRoutes(services.auth, createLoginThrottle({ events: context.store.throttle, secret: context.sessionSecret, now })));
  app.use(accountRoutes(services.auth));
  app.use(adminRoutes(services.admin, services.auth));
  app.use(patientRoutes(services));
  app.use(doctorRoutes(services.doctors));
  app.use(emergencyRoutes(services.emergencies));
  app.use(pharmacyRoutes(services.pharmacy));
  app.use(insurerRoutes(services.insurers));
  app.use(accessLogRoutes(services.accessLog));
  app.use(auditRoutes(services.audit, services.integrity));
  app.use(explorerRoutes(services.explorer, services.lab));
  app.use(fhirRoutes(services.fhir));
  app.use(fileRoutes(services.files));

  app.use(notFoundHandler);
  app.use(errorHandler({ production: context.config.production, node: ledger.nodeInfo, log: options.errorLog }));
  return app;
}
