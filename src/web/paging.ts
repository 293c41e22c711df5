/**
 * Paged lists (the dashboards): `?page=N`, 25 rows a page, newest first. A page reads one row
 * more than it shows, to know whether an older page exists without counting the whole list.
 */
import type { Request } from 'express';
import type { PageWindow } from '../store/read-model';
import { notFound } from './http-error';

export const PAGE_SIZE = 25;

export interface Page<T> {
  readonly items: readonly T[];
  /** 1 is the newest page. */
  readonly number: number;
  readonly hasNewer: boolean;
  readonly hasOlder: boolean;
}

/** The page a request asks for: `?page=N` with N a positive whole number, 1 when absent. */
export function pageNumber(req: Request): number {
  const raw = req.query.page;
  if (raw === undefined) return 1;
  // A bounded number: a page past a million would only make SQLite skip rows for nothing.
  if (typeof raw !== 'string' || !/^[1-9][0-9]{0,5}$/.test(raw)) throw notFound('page');
  return Number(raw);
}

/** Reads page `number` of a list through `read`, which takes the rows' window. */
export function readPage<T>(number: number, read: (window: PageWindow) => readonly T[]): Page<T> {
  const rows = read({ limit: PAGE_SIZE + 1, offset: (number - 1) * PAGE_SIZE });
  // Past the last page there is nothing to show; page 1 stays, to say the list is empty.
  if (rows.length === 0 && number > 1) throw notFound('page');
  return { items: rows.slice(0, PAGE_SIZE), number, hasNewer: number > 1, hasOlder: rows.length > PAGE_SIZE };
}
