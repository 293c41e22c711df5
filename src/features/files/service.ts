/**
 * Files attached to reports and prescriptions: stored sealed (AES-256-GCM, as a stream) behind the
 * store's BlobStore, listed with their hash in their record's body, and served only to whoever may
 * read that record, after their stored bytes are checked against that hash.
 *
 * The chain of checks for one file, all from the ledger down: the record's commitment on the
 * ledger → the body it commits to (the vault checks it) → the file listed in that body with the
 * SHA-256 of its sealed bytes → those bytes, hashed before a byte is sent. The database only says
 * where to look (which record lists a file id); an edit of it leads to a refusal, never to
 * another record's file.
 */
import crypto from 'node:crypto';
import { fileAad, hashing, openStream, sealStream, sha256Of } from '../../crypto/file-envelope';
import { deriveKey } from '../../crypto/envelope';
import { FileRefused, FileWithheld, Forbidden, NotFound } from '../../domain/errors';
import type { Access } from '../../domain/access-policy';
import type { Ledger } from '../../ledger';
import type { BlobStore, FilePlace, FileStore, ReadModel, User, UserStore } from '../../store/ports';
import type { LedgerReads } from '../records/ledger-reads';
import { createRecordPolicy } from '../records/policy';
import type { AttachedFile, Vault } from '../records/vault';
import { cleanName, sniffed, type FileType } from './types';

/** How many files one report or prescription may hold. */
export const MAX_FILES_PER_RECORD = 5;

/** A file no record lists this long after its upload began is swept (an upload cut off, a form refused, a write that failed). */
export const ORPHAN_AGE_MS = 60 * 60 * 1000;

export interface FileServiceDeps {
  readonly files: FileStore;
  readonly blobs: BlobStore;
  readonly masterKey: Buffer;
  readonly ledger: Ledger;
  readonly reads: LedgerReads;
  readonly vault: Vault;
  readonly readModel: Pick<ReadModel, 'claims'>;
  readonly users: Pick<UserStore, 'findById'>;
  /** The largest file, in bytes. */
  readonly maxFileBytes: number;
  /**
   * Heard when a reader other than the owner opens a file: its opening is the record's, recorded
   * once a visit like the record page's (see access-log/openings).
   */
  readonly opened?: (userId: number, place: FilePlace, access: Access | undefined) => Promise<void>;
  readonly now?: () => number;
}

/** One file's integrity, as the integrity check reports it. */
export type FileIntegrity = 'verified' | 'tampered' | 'missing';

/** A record's body as the ledger commits to it, and who wrote it. */
interface RecordOnLedger {
  readonly kind: 'report' | 'prescription';
  readonly author: string;
  readonly owner: string;
  readonly commitment: string;
}

export function createFileService(deps: FileServiceDeps) {
  const { files, blobs, ledger, vault, maxFileBytes } = deps;
  const now = deps.now ?? Date.now;
  const key = deriveKey(deps.masterKey, 'record-files');
  const policy = createRecordPolicy(ledger.client, deps.reads);
  const megabytes = Math.round(maxFileBytes / 1024 / 1024);

  /** Passes chunks through while counting them; past the limit, the file is refused. */
  async function* limited(name: string, chunks: AsyncIterable<Buffer>, counted: (bytes: number) => void): AsyncGenerator<Buffer> {
    let size = 0;
    for await (const chunk of chunks) {
      size += chunk.length;
      if (size > maxFileBytes) throw new FileRefused('size', `"${name}" is larger than ${megabytes} MB.`);
      counted(size);
      yield chunk;
    }
  }

  async function discard(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    // Bytes first: a crash in between leaves an index row, which the sweep finds again.
    await blobs.remove(ids);
    await files.remove(ids);
  }

  async function recordOnLedger(place: FilePlace): Promise<RecordOnLedger> {
    const report = await ledger.client.report(place.reportId);
    if (place.index === undefined) return { kind: 'report', author: report.patient, owner: report.patient, commitment: report.commitment };
    const prescription = (await ledger.client.prescriptions(place.reportId)).find(p => p.index === place.index);
    if (!prescription) throw new NotFound('file');
    return { kind: 'prescription', author: prescription.doctor, owner: report.patient, commitment: prescription.commitment };
  }

  /**
   * Whether `user` may read the record a file is attached to: the one access policy for patients
   * and doctors (owner, treatment grant, break-glass), and the contract's own checks for a
   * pharmacist (the prescription sent to their pharmacy) and an insurer (a claim on the report
   * still open). Resolves to the policy's access, when it decided.
   */
  async function mayRead(user: User | undefined, place: FilePlace, owner: string): Promise<Access | undefined> {
    const refused = new Forbidden('You do not have access to this file.');
    switch (user?.role) {
      case 'patient':
      case 'doctor':
        return policy.require(await policy.actor(user, user.role), { id: place.reportId, owner }, 'read');
      case 'pharmacist': {
        await policy.organisationOf(user, 'pharmacist');
        if (place.index !== undefined && (await ledger.client.canReadPrescription(place.reportId, place.index, user.address))) return undefined;
        throw refused;
      }
      case 'insurer': {
        const insurerId = await policy.organisationOf(user, 'insurer');
        const claims = (await deps.readModel.claims({ insurerId })).filter(claim => claim.reportId === place.reportId);
        for (const claim of claims) if (await ledger.client.canReadClaim(claim.id, user.address)) return undefined;
        throw refused;
      }
      default:
        throw refused;
    }
  }

  /** Whether a listed file's stored bytes are still those its body names. */
  async function integrityOf(file: AttachedFile): Promise<FileIntegrity> {
    const chunks = await blobs.get(file.id);
    if (!chunks) return 'missing';
    return (await sha256Of(chunks)) === file.sha256 ? 'verified' : 'tampered';
  }

    /**
   * Stores one uploaded file for `author` (their ledger address): its type decided by its
   * content, sealed as it streams in. Throws FileRefused (type, size, empty) and leaves nothing
   * behind, as it does when `chunks` throws (an upload cut off).
   */
  async function store(author: string, rawName: string | undefined, chunks: AsyncIterable<Buffer>): Promise<AttachedFile> {
    const id = crypto.randomUUID();
    const name = cleanName(rawName);
    let type: FileType | undefined;
    let size = 0;
    const hash = crypto.createHash('sha256');
    await files.insertPending(id, author);
    try {
      const plain = limited(name, sniffed(name, chunks, found => (type = found)), counted => (size = counted));
      await blobs.put(id, hashing(hash, sealStream(key, fileAad(id, author), plain)));
    } catch (error) {
      await discard([id]);
      throw error;
    }
    if (type === undefined) throw new Error('a stored file without a type'); // sniffed() decides one or throws
    return { id, name, type, size, sha256: hash.digest('hex') };
  }

  return {
    maxFileBytes,

    store,

    /** Like `store`, for the signed-in user `userId`. */
    async storeFor(userId: number, rawName: string | undefined, chunks: AsyncIterable<Buffer>): Promise<AttachedFile> {
      const user = await deps.users.findById(userId);
      if (!user) throw new Forbidden('You are not signed in.');
      return store(user.address, rawName, chunks);
    },

    /**
     * Removes those of `ids` that no stored body lists (the form they came with was refused, or
     * its write certainly failed); a file its record is being written with stays.
     */
    async discardUnlisted(ids: readonly string[]): Promise<void> {
      await discard(await files.orphans({ ids }));
    },

    /** Removes the files no stored body lists, from uploads begun over `ORPHAN_AGE_MS` ago; resolves to how many. */
    async sweep(age = ORPHAN_AGE_MS): Promise<number> {
      const ids = await files.orphans({ before: now() - age });
      await discard(ids);
      return ids.length;
    },

    /**
     * One file for `userId`, checked: the bytes to send (plain, as uploaded) with what the body
     * says of them. NotFound for an id no record on the ledger lists, Forbidden for a reader of
     * the wrong record, FileWithheld for bytes that do not match their hash (nothing is sent).
     */
    async open(userId: number, role: string, id: string): Promise<{ file: AttachedFile; chunks: AsyncIterable<Buffer> }> {
      if (role === 'admin') throw new Forbidden('The admin does not read health records.');
      const row = await files.get(id);
      if (!row?.place || !row.commitment) throw new NotFound('file');
      const record = await recordOnLedger(row.place);
      if (record.commitment.toLowerCase() !== row.commitment.toLowerCase()) throw new NotFound('file');
      const user = await deps.users.findById(userId);
      const access = await mayRead(user, row.place, record.owner);
      const checked = await vault.read(record.kind, {
        author: record.author,
        commitment: record.commitment,
        reportId: record.kind === 'prescription' ? row.place.reportId : undefined,
      });
      if (checked.integrity !== 'verified') throw new FileWithheld('attached file', checked.integrity === 'missing' ? 'missing' : 'tampered');
      const file = checked.body.files?.find(listed => listed.id === id);
      if (!file) throw new NotFound('file');
      const integrity = await integrityOf(file);
      if (integrity !== 'verified') throw new FileWithheld(file.name, integrity);
      const sealed = await blobs.get(id);
      if (!sealed) throw new FileWithheld(file.name, 'missing');
      if (user && user.address.toLowerCase() !== record.owner.toLowerCase()) await deps.opened?.(userId, row.place, access);
      return { file, chunks: openStream(key, fileAad(id, record.author), sealed) };
    },

    integrityOf,

    /**
     * The bytes of a file a verified body by `author` lists, checked against its hash first; or
     * why not. Whole in memory: for the FHIR export, which puts them in its bundle.
     */
    async bytesOf(file: AttachedFile, author: string): Promise<{ ok: true; bytes: Buffer } | { ok: false; state: Exclude<FileIntegrity, 'verified'> }> {
      const integrity = await integrityOf(file);
      const sealed = integrity === 'verified' ? await blobs.get(file.id) : undefined;
      if (integrity !== 'verified' || !sealed) return { ok: false, state: integrity === 'verified' ? 'missing' : integrity };
      const parts: Buffer[] = [];
      for await (const chunk of openStream(key, fileAad(file.id, author), sealed)) parts.push(chunk);
      return { ok: true, bytes: Buffer.concat(parts) };
    },

    /** Every file the ledger's records list, by the index (the integrity check goes through each). */
    placed: () => files.placed(),
  };
}

export type FileService = ReturnType<typeof createFileService>;
