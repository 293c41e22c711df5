/**
 * Encrypted file bytes as files of a directory (DATA_DIR/files by default): one `<id>.blob` per
 * file, written as `<id>.part` and renamed once complete, so a blob is either whole or absent.
 * Private to the app's user (0700 / 0600), whatever the umask.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from '../ports';

/** Blob ids are the app's own (UUIDs): anything else never names a path. */
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function checked(id: string): string {
  if (!ID.test(id)) throw new Error(`not a file id: ${JSON.stringify(id.slice(0, 40))}`);
  return id;
}

export function createDirectoryBlobStore(dir: string): BlobStore {
  const blobPath = (id: string) => path.join(dir, `${checked(id)}.blob`);
  const partPath = (id: string) => path.join(dir, `${checked(id)}.part`);
  let made = false;
  const ensureDir = async () => {
    if (made) return;
    await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
    await fs.promises.chmod(dir, 0o700);
    made = true;
  };
  const unlink = (file: string) => fs.promises.rm(file, { force: true });

  return {
    description: `files in ${dir}`,
    async put(id, chunks) {
      await ensureDir();
      const part = partPath(id);
      let size = 0;
      const counted = async function* () {
        for await (const chunk of chunks) {
          size += chunk.length;
          yield chunk;
        }
      };
      try {
        const out = fs.createWriteStream(part, { mode: 0o600, flags: 'wx' });
        await pipeline(Readable.from(counted()), out);
        await fs.promises.rename(part, blobPath(id));
      } catch (error) {
        await unlink(part);
        throw error;
      }
      return size;
    },
    async get(id) {
      const handle = await fs.promises.open(blobPath(id), 'r').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      return handle?.createReadStream({ highWaterMark: 256 * 1024 });
    },
    async remove(ids) {
      await Promise.all(ids.flatMap(id => [unlink(blobPath(id)), unlink(partPath(id))]));
    },
  };
}
