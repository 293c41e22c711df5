/**
 * `readPage` for lists whose rows are checked against the ledger before they are shown (the
 * dashboards), which makes reading a page asynchronous. A row the ledger refuses is left out of
 * its page, so such a page shows fewer rows; that happens only when the read model disagrees
 * with the ledger, which the integrity check lists and `npm run reindex` repairs.
 */
import type { PageWindow } from '../../store/read-model';
import { PAGE_SIZE, readPage, type Page } from '../../web/paging';

export async function readCheckedPage<T>(number: number, read: (window: PageWindow) => Promise<readonly T[]>): Promise<Page<T>> {
  // The same window `readPage` asks for: the page's rows and one more.
  const rows = await read({ limit: PAGE_SIZE + 1, offset: (number - 1) * PAGE_SIZE });
  return readPage(number, () => rows);
}
