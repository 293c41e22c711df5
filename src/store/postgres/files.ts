/**
 * Attached files in PostgreSQL: their index (see FileStore) and their encrypted bytes (see
 * BlobStore), so that every app server on the database serves every file. A blob is stored as
 * chunks of at most CHUNK_BYTES, each its own statement (no transaction held open while a client
 * uploads); it becomes readable when its row in `file_blobs` is written after the last chunk.
 */
import type { BlobStore, FileStore } from '../ports';
import { fileRowOf, type FileRowColumns as Row } from '../file-rows';
import type { PostgresConnection } from './connection';

export const CHUNK_BYTES = 256 * 1024;

const PLACED = `
  SELECT f.id, f.author, f.commitment, f.created_at AS "createdAt", r.id AS "reportId", NULL::bigint AS "index"
    FROM files f JOIN ledger_reports r ON r.commitment = f.commitment
  UNION ALL
  SELECT f.id, f.author, f.commitment, f.created_at AS "createdAt", p.report_id AS "reportId", p.idx AS "index"
    FROM files f JOIN ledger_prescriptions p ON p.commitment = f.commitment`;

export function createFileStore(sql: PostgresConnection): FileStore {
  return {
    insertPending: async (id, author) =>
      void (await sql.query('INSERT INTO files (id, author, commitment, created_at) VALUES ($1, $2, NULL, $3)', [id, author.toLowerCase(), Date.now()])),
    attach: async (ids, commitment) => void (await sql.query('UPDATE files SET commitment = $1 WHERE id = ANY ($2::text[])', [commitment, [...ids]])),
    get: async id => {
      const placed = await sql.first<Row>(`SELECT * FROM (${PLACED}) placed WHERE id = $1 LIMIT 1`, [id]);
      if (placed) return fileRowOf(placed);
      const row = await sql.first<Row>('SELECT id, author, commitment, created_at AS "createdAt", NULL::bigint AS "reportId", NULL::bigint AS "index" FROM files WHERE id = $1', [id]);
      return row && fileRowOf(row);
    },
    orphans: async among => {
      const unlisted = '(commitment IS NULL OR NOT EXISTS (SELECT 1 FROM bodies b WHERE b.commitment = files.commitment))';
      const rows =
        'before' in among
          ? await sql.rows<{ id: string }>(`SELECT id FROM files WHERE created_at < $1 AND ${unlisted}`, [among.before])
          : await sql.rows<{ id: string }>(`SELECT id FROM files WHERE id = ANY ($1::text[]) AND ${unlisted}`, [[...among.ids]]);
      return rows.map(row => row.id);
    },
    placed: async () => (await sql.rows<Row>(`SELECT * FROM (${PLACED}) placed ORDER BY "reportId", "index" NULLS FIRST, id COLLATE "C"`)).map(fileRowOf),
    remove: async ids => void (await sql.query('DELETE FROM files WHERE id = ANY ($1::text[])', [[...ids]])),
  };
}

/** Cuts a stream of chunks of any size into chunks of `size` (the last one shorter). */
async function* rechunk(chunks: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let held: Buffer[] = [];
  let heldBytes = 0;
  for await (const chunk of chunks) {
    held.push(chunk);
    heldBytes += chunk.length;
    while (heldBytes >= size) {
      const all = Buffer.concat(held);
      yield all.subarray(0, size);
      held = [all.subarray(size)];
      heldBytes = all.length - size;
    }
  }
  if (heldBytes > 0) yield Buffer.concat(held);
}

export function createBlobStore(sql: PostgresConnection, description: string): BlobStore {
  const remove = async (ids: readonly string[]) => {
    await sql.query('DELETE FROM file_blobs WHERE id = ANY ($1::text[])', [[...ids]]);
    await sql.query('DELETE FROM file_chunks WHERE file_id = ANY ($1::text[])', [[...ids]]);
  };
  return {
    description: `files in ${description}`,
    async put(id, chunks) {
      let seq = 0;
      let size = 0;
      try {
        for await (const chunk of rechunk(chunks, CHUNK_BYTES)) {
          await sql.query('INSERT INTO file_chunks (file_id, seq, bytes) VALUES ($1, $2, $3)', [id, seq++, chunk]);
          size += chunk.length;
        }
        await sql.query('INSERT INTO file_blobs (id, chunks, size) VALUES ($1, $2, $3)', [id, seq, size]);
      } catch (error) {
        await remove([id]).catch(() => undefined);
        throw error;
      }
      return size;
    },
    async get(id) {
      const blob = await sql.first<{ chunks: number }>('SELECT chunks FROM file_blobs WHERE id = $1', [id]);
      if (!blob) return undefined;
      // One chunk a statement: a reader holds one chunk at a time, whatever the file's size.
      return (async function* () {
        for (let seq = 0; seq < blob.chunks; seq++) {
          const row = await sql.first<{ bytes: Buffer }>('SELECT bytes FROM file_chunks WHERE file_id = $1 AND seq = $2', [id, seq]);
          if (!row) throw new Error(`chunk ${seq} of file ${id} is missing`);
          yield row.bytes;
        }
      })();
    },
    remove,
  };
}
