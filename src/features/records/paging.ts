/**
 * Paged lists (the dashboards): 25 rows a page, newest first. A page reads one row more than it
 * shows, to know whether an older page exists without counting the whole list.
 *
 * `readCheckedPage` is for lists whose rows are checked against the ledger before they are shown
 * (the dashboards), which makes reading a page asynchronous. A row the ledger refuses is left out
 * of its page, so such a page shows fewer rows; that happens only when the read model disagrees
 * with the ledger, which the integrity check lists and `npm run reindex` repairs.
 */
import { NotFound } from '../../domain/errors';
import type { PageWindow } from '../../store/ports';

export const PAGE_SIZE = 25;

export interface Page<T> {
  readonly items: readonly T[];
  /** 1 is the newest page. */
  readonly number: number;
  readonly hasNewer: boolean;
  readonly hasOlder: boolean;
}

/** Reads page `number` of a list through `read`, which takes the rows' window. */
export function readPage<T>(number: number, read: (window: PageWindow) => readonly T[]): Page<T> {
  const rows = read({ limit: PAGE_SIZE + 1, offset: (number - 1) * PAGE_SIZE });
  // Past the last page there is nothing to show; page 1 stays, to say the list is empty.
  if (rows.length === 0 && number > 1) throw new NotFound('page');
  return { items: rows.slice(0, PAGE_SIZE), number, hasNewer: number > 1, hasOlder: rows.length > PAGE_SIZE };
}

export async function readCheckedPage<T>(number: number, read: (window: PageWindow) => Promise<readonly T[]>): Promise<Page<T>> {
  // The same window `readPage` asks for: the page's rows and one more.
  const rows = await read({ limit: PAGE_SIZE + 1, offset: (number - 1) * PAGE_SIZE });
  return readPage(number, () => rows);
}
