/**
 * A request id for every request — in the `X-Request-Id` header, the log line and any error
 * page — and one log line per request. Only method, path, status and time are logged: never a
 * body, a query string, a cookie or a header, so no password, key or session id reaches the log.
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

export type LogLine = (line: string) => void;

export function requestLog(log: LogLine = line => console.log(line)): RequestHandler {
  return (req, res, next) => {
    const requestId = randomUUID();
    const started = process.hrtime.bigint();
    res.locals.requestId = requestId;
    res.set('X-Request-Id', requestId);
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log(`${new Date().toISOString()} ${requestId} ${req.method} ${req.path} ${res.statusCode} ${ms.toFixed(1)}ms`);
    });
    next();
  };
}
