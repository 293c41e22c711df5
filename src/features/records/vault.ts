/**
 * Bodies of reports and prescriptions: sealed (AES-256-GCM) and committed to by the keccak256 of
 * the envelope; opened only after the stored envelope is checked against the commitment the
 * ledger holds. A body that fails any check is reported as tampered and never shown as if it
 * were good.
 *
 * What a body is bound to (its associated data), by envelope version:
 * - `v1` (the first release, still read): its kind and author.
 * - `v2` (every new body): also the chain id and the contract's address, so a body copied into
 *   another deployment's data set (another chain, or a redeployed contract under the same master
 *   key) does not open; and, for a prescription, the report it was written on, so a doctor who
 *   re-submits a prescription's commitment on another report gets a body that does not open.
 *   A report's own id is not bound: the contract assigns it when the transaction is mined, after
 *   the commitment (the hash of this very envelope) was sent. Guessing `reportCount() + 1` is a
 *   race any concurrent patient loses, and a lost race would seal a good body as tampered for
 *   ever. It is not needed either: a report's commitment is written by its owner only, and the
 *   author binding already refuses a body re-submitted by anyone else; the report a page shows
 *   takes its commitment from the ledger's entry for that id.
 */
import { commitment as commitmentOf, deriveKey, envelopeVersion, open, seal, type EnvelopeVersion } from '../../crypto/envelope';
import type { BodyKind, BodyStore, BodyRow } from '../../store/ports';

/**
 * A file attached to a report or prescription, as its record's body lists it: the body's
 * commitment on the ledger covers the file through `sha256`, the hash of its stored (sealed)
 * bytes. Its bytes are kept off-chain (see features/files).
 */
export interface AttachedFile {
  readonly id: string;
  /** The name it was uploaded with (never on the ledger: it may say what the file is about). */
  readonly name: string;
  /** The type its content showed (see features/files/types). */
  readonly type: string;
  /** Its size in bytes, as uploaded. */
  readonly size: number;
  /** SHA-256 (hex) of the sealed bytes as stored. */
  readonly sha256: string;
}

export interface ReportBody {
  readonly title: string;
  readonly disease: string;
  readonly details: string;
  /** Files attached (none in bodies of the first release, or without any). */
  readonly files?: readonly AttachedFile[];
}

export interface PrescriptionBody {
  readonly medicines: string;
  readonly dosage: string;
  readonly instructions: string;
  readonly files?: readonly AttachedFile[];
}

/** Why a doctor opened a patient's records under break-glass: at least 20 characters, for the patient and the admin. */
export interface EmergencyReasonBody {
  readonly reason: string;
}

/** An insurer's note on a claim decision. */
export interface ClaimNoteBody {
  readonly note: string;
}

/** The body each kind holds. */
export type BodyOf<K extends BodyKind> = {
  report: ReportBody;
  prescription: PrescriptionBody;
  'emergency-reason': EmergencyReasonBody;
  'claim-note': ClaimNoteBody;
}[K];

/** The transaction and block that wrote a body's commitment. */
export interface LedgerPlace {
  readonly transactionHash: string;
  readonly blockNumber: number;
}

/** What a reader gets: the body when it matches the ledger, or why not. */
export type Checked<T> =
  | ({ readonly integrity: 'verified'; readonly body: T; readonly at?: LedgerPlace } & Hashes)
  | ({ readonly integrity: 'tampered'; readonly reason: string } & Hashes)
  | { readonly integrity: 'missing' };

/**
 * The two hashes a check compared, for a page that shows them side by side: the commitment the
 * ledger holds, and the one computed now from the stored envelope (equal when verified).
 */
export interface Hashes {
  readonly stored?: string;
  readonly computed?: string;
}

/** The deployment new bodies are bound to. */
export interface VaultScope {
  readonly chainId: number;
  readonly contract: string;
  /**
   * The contracts the data set lived on before (a first release's, upgraded): bodies sealed for
   * them were sealed by this data set too, and still open.
   */
  readonly formerContracts?: readonly string[];
}

/** Which stored body a reader asks for. `reportId`: the report a prescription was written on. */
export interface BodyRef {
  readonly author: string;
  readonly commitment: string;
  readonly reportId?: number;
}

/**
 * `scope`: the deployment new bodies are bound to (v2). Without one (a tool or test with no
 * ledger at hand) new bodies are sealed as the first release sealed them (v1).
 */
export function createVault(
  bodies: BodyStore,
  masterKey: Buffer,
  log: (line: string) => void = line => console.error(line),
  scope?: VaultScope,
) {
  const key = deriveKey(masterKey, 'record-bodies');
  // Each altered body is logged once per process, not on every page that lists it.
  const logged = new Set<string>();
  const tampered = (kind: BodyKind, commitment: string, reason: string): Checked<never> => {
    if (!logged.has(commitment)) {
      logged.add(commitment);
      log(`${new Date().toISOString()} integrity: ${kind} body ${commitment} tampered: ${reason}`);
    }
    return { integrity: 'tampered', reason };
  };
  const sealAs: EnvelopeVersion = scope ? 'v2' : 'v1';
  const aad = (version: EnvelopeVersion, kind: BodyKind, author: string, reportId: number | undefined, contract = scope?.contract): string => {
    const bound = `${kind}:${author.toLowerCase()}`;
    if (version === 'v1') return bound;
    const record = kind === 'prescription' ? `|report:${reportId ?? 'unknown'}` : '';
    return `ehr-body/v2|${bound}|chain:${scope?.chainId ?? 'unknown'}|contract:${contract?.toLowerCase() ?? 'unknown'}${record}`;
  };
  // The contracts a v2 body may be bound to: this one first, then the data set's former ones.
  const contracts = [scope?.contract, ...(scope?.formerContracts ?? [])];

  return {
    /**
     * Encrypts a body and stores it as pending; resolves to the commitment for the ledger.
     * A prescription takes the id of its report.
     */
    async storePending<K extends BodyKind>(kind: K, author: string, body: BodyOf<K>, reportId?: number): Promise<string> {
      const envelope = seal(key, JSON.stringify(body), aad(sealAs, kind, author, reportId), sealAs);
      const commitment = commitmentOf(envelope);
      await bodies.insertPending(commitment, kind, author.toLowerCase(), envelope);
      return commitment;
    },

    /** The body the ledger commits to with `ledgerCommitment`, checked before it is opened. */
    async read<K extends BodyKind>(kind: K, ref: BodyRef): Promise<Checked<BodyOf<K>>> {
      return check(kind, ref, await bodies.get(ref.commitment));
    },

    /** Like `read` for many bodies with one query. */
    async readMany<K extends BodyKind>(kind: K, refs: readonly BodyRef[]): Promise<Checked<BodyOf<K>>[]> {
      const rows = await bodies.getMany(refs.map(ref => ref.commitment));
      return refs.map(ref => check(kind, ref, rows.get(ref.commitment)));
    },

    /**
     * The author's writes that never reached the ledger (a crash between "stored" and "sent"),
     * newest first, with the title when the body still opens for that author. For the author's
     * own eyes only: nothing on the ledger vouches for these bodies.
     */
    async lost(kind: BodyKind, author: string): Promise<{ createdAt: Date; title: string | undefined }[]> {
      return (await bodies.failedOf(kind, author)).map(row => {
        let title: string | undefined;
        try {
          const body = openBody(kind, { author, commitment: row.commitment }, row.envelope) as Partial<ReportBody>;
          title = typeof body.title === 'string' ? body.title : undefined;
        } catch {
          title = undefined;
        }
        return { createdAt: new Date(row.createdAt), title };
      });
    },
  };

  /** Decrypts an envelope for what its version binds it to; throws when it does not open. */
  function openBody<K extends BodyKind>(kind: K, ref: BodyRef, envelope: string): BodyOf<K> {
    const version = envelopeVersion(envelope) ?? 'v1'; // not an envelope: `open` refuses it
    const candidates = version === 'v1' ? [scope?.contract] : contracts;
    let failure: unknown;
    for (const contract of candidates) {
      try {
        return JSON.parse(open(key, envelope, aad(version, kind, ref.author, ref.reportId, contract)).toString('utf8')) as BodyOf<K>;
      } catch (error) {
        failure = error;
      }
    }
    throw failure;
  }

  function check<K extends BodyKind>(kind: K, ref: BodyRef, row: BodyRow | undefined): Checked<BodyOf<K>> {
    const ledgerCommitment = ref.commitment;
    if (row === undefined) return { integrity: 'missing' };
    const { envelope, transactionHash, blockNumber } = row;
    const hashes = { stored: ledgerCommitment.toLowerCase(), computed: commitmentOf(envelope) };
    if (hashes.computed !== hashes.stored) {
      return { ...tampered(kind, ledgerCommitment, 'the stored envelope does not match its commitment on the ledger'), ...hashes };
    }
    try {
      const body = openBody(kind, ref, envelope);
      // Where the commitment was written, as recorded when its write was confirmed.
      const at = transactionHash !== null && blockNumber !== null ? { transactionHash, blockNumber } : undefined;
      return { integrity: 'verified', body, at, ...hashes };
    } catch {
      return { ...tampered(kind, ledgerCommitment, 'the stored envelope does not decrypt for its owner and record'), ...hashes };
    }
  }
}

export type Vault = ReturnType<typeof createVault>;
