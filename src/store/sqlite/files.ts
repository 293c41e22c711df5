/** The index of attached files in SQLite (see FileStore); their bytes are in a BlobStore. */
import type { FileStore } from '../ports';
import { fileRowOf, type FileRowColumns as Row } from '../file-rows';
import type { SqliteConnection } from './connection';

// A file's place: the report whose commitment its body is, else the prescription's.
const PLACED = `
  SELECT f.id, f.author, f.commitment, f.created_at AS createdAt, r.id AS reportId, NULL AS "index"
    FROM files f JOIN ledger_reports r ON r.commitment = f.commitment
  UNION ALL
  SELECT f.id, f.author, f.commitment, f.created_at AS createdAt, p.report_id AS reportId, p.idx AS "index"
    FROM files f JOIN ledger_prescriptions p ON p.commitment = f.commitment`;

export function createFileStore(sql: SqliteConnection): FileStore {
  return {
    insertPending: (id, author) =>
      sql.run(() => void sql.statement('INSERT INTO files (id, author, commitment, created_at) VALUES (?, ?, NULL, ?)').run(id, author.toLowerCase(), Date.now())),
    attach: (ids, commitment) =>
      sql.run(db => {
        const update = db.prepare('UPDATE files SET commitment = ? WHERE id = ?');
        for (const id of ids) update.run(commitment, id);
      }),
    get: id =>
      sql.run(() => {
        const placed = sql.statement<[string], Row>(`SELECT * FROM (${PLACED}) WHERE id = ? LIMIT 1`).get(id);
        if (placed) return fileRowOf(placed);
        const row = sql.statement<[string], Row>('SELECT id, author, commitment, created_at AS createdAt, NULL AS reportId, NULL AS "index" FROM files WHERE id = ?').get(id);
        return row && fileRowOf(row);
      }),
    orphans: among =>
      sql.run(db => {
        const unlisted = '(commitment IS NULL OR NOT EXISTS (SELECT 1 FROM bodies b WHERE b.commitment = files.commitment))';
        if ('before' in among) return db.prepare<[number], { id: string }>(`SELECT id FROM files WHERE created_at < ? AND ${unlisted}`).all(among.before).map(row => row.id);
        if (among.ids.length === 0) return [];
        const ids = [...among.ids];
        return db.prepare<string[], { id: string }>(`SELECT id FROM files WHERE id IN (${ids.map(() => '?').join(',')}) AND ${unlisted}`).all(...ids).map(row => row.id);
      }),
    placed: () => sql.run(() => sql.statement<[], Row>(`${PLACED} ORDER BY reportId, "index", id`).all().map(fileRowOf)),
    remove: ids =>
      sql.run(db => {
        const remove = db.prepare('DELETE FROM files WHERE id = ?');
        for (const id of ids) remove.run(id);
      }),
  };
}
