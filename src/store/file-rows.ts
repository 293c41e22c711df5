/** A row of the files index as both stores read it (a report's file has no prescription index). */
import type { FileRow } from './ports';

export interface FileRowColumns {
  id: string;
  author: string;
  commitment: string | null;
  createdAt: number;
  reportId: number | null;
  index: number | null;
}

export const fileRowOf = (row: FileRowColumns): FileRow => ({
  id: row.id,
  author: row.author,
  commitment: row.commitment,
  createdAt: row.createdAt,
  place: row.reportId === null ? undefined : { reportId: row.reportId, ...(row.index === null ? {} : { index: row.index }) },
});
