/**
 * The page a list request asks for (`?page=N`). The pages themselves (25 rows, newest first) are
 * `features/records/paging.ts`'s, re-exported here.
 */
import type { Request } from 'express';
import { notFound } from './http-error';

export { PAGE_SIZE, readPage, type Page } from '../features/records/paging';

/** The page a request asks for: `?page=N` with N a positive whole number, 1 when absent. */
export function pageNumber(req: Request): number {
  const raw = req.query.page;
  if (raw === undefined) return 1;
  // A bounded number: a page past a million would only make SQLite skip rows for nothing.
  if (typeof raw !== 'string' || !/^[1-9][0-9]{0,5}$/.test(raw)) throw notFound('page');
  return Number(raw);
}
