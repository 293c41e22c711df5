/**
 * Bodies of reports and prescriptions: sealed (AES-256-GCM, bound to their kind and author) and
 * committed to by the keccak256 of the envelope; opened only after the stored envelope is
 * checked against the commitment the ledger holds. A body that fails any check is reported as
 * tampered and never shown as if it were good.
 */
import { commitment as commitmentOf, deriveKey, open, seal } from '../../crypto/envelope';
import type { BodyKind, BodyRepository, BodyRow } from '../../store/bodies';

export interface ReportBody {
  readonly title: string;
  readonly disease: string;
  readonly details: string;
}

export interface PrescriptionBody {
  readonly medicines: string;
  readonly dosage: string;
  readonly instructions: string;
}

type BodyOf<K extends BodyKind> = K extends 'report' ? ReportBody : PrescriptionBody;

/** The transaction and block that wrote a body's commitment. */
export interface LedgerPlace {
  readonly transactionHash: string;
  readonly blockNumber: number;
}

/** What a reader gets: the body when it matches the ledger, or why not. */
export type Checked<T> =
  | { readonly integrity: 'verified'; readonly body: T; readonly at?: LedgerPlace }
  | { readonly integrity: 'tampered'; readonly reason: string }
  | { readonly integrity: 'missing' };

export function createVault(bodies: BodyRepository, masterKey: Buffer, log: (line: string) => void = line => console.error(line)) {
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
  const aad = (kind: BodyKind, author: string) => `${kind}:${author.toLowerCase()}`;

  return {
    /** Encrypts a body and stores it as pending; resolves to the commitment for the ledger. */
    storePending<K extends BodyKind>(kind: K, author: string, body: BodyOf<K>): string {
      const envelope = seal(key, JSON.stringify(body), aad(kind, author));
      const commitment = commitmentOf(envelope);
      bodies.insertPending(commitment, kind, author.toLowerCase(), envelope);
      return commitment;
    },

    /** The body the ledger commits to with `ledgerCommitment`, checked before it is opened. */
    read<K extends BodyKind>(kind: K, author: string, ledgerCommitment: string): Checked<BodyOf<K>> {
      return check(kind, author, ledgerCommitment, bodies.get(ledgerCommitment));
    },

    /** Like `read` for many bodies with one query. */
    readMany<K extends BodyKind>(kind: K, items: readonly { author: string; commitment: string }[]): Checked<BodyOf<K>>[] {
      const rows = bodies.getMany(items.map(item => item.commitment));
      return items.map(item => check(kind, item.author, item.commitment, rows.get(item.commitment)));
    },

    /**
     * The author's writes that never reached the ledger (a crash between "stored" and "sent"),
     * newest first, with the title when the body still opens for that author. For the author's
     * own eyes only: nothing on the ledger vouches for these bodies.
     */
    lost(kind: BodyKind, author: string): { createdAt: Date; title: string | undefined }[] {
      return bodies.failedOf(kind, author).map(row => {
        let title: string | undefined;
        try {
          const body = openBody(kind, author, row.envelope) as Partial<ReportBody>;
          title = typeof body.title === 'string' ? body.title : undefined;
        } catch {
          title = undefined;
        }
        return { createdAt: new Date(row.createdAt), title };
      });
    },
  };

  /** Decrypts an envelope for its kind and author; throws when it does not open. */
  function openBody<K extends BodyKind>(kind: K, author: string, envelope: string): BodyOf<K> {
    return JSON.parse(open(key, envelope, aad(kind, author)).toString('utf8')) as BodyOf<K>;
  }

  function check<K extends BodyKind>(kind: K, author: string, ledgerCommitment: string, row: BodyRow | undefined): Checked<BodyOf<K>> {
    if (row === undefined) return { integrity: 'missing' };
    const { envelope, transactionHash, blockNumber } = row;
    if (commitmentOf(envelope) !== ledgerCommitment.toLowerCase()) {
      return tampered(kind, ledgerCommitment, 'the stored envelope does not match its commitment on the ledger');
    }
    try {
      const body = openBody(kind, author, envelope);
      // Where the commitment was written, as recorded when its write was confirmed.
      const at = transactionHash !== null && blockNumber !== null ? { transactionHash, blockNumber } : undefined;
      return { integrity: 'verified', body, at };
    } catch {
      return tampered(kind, ledgerCommitment, 'the stored envelope does not decrypt for its owner');
    }
  }
}

export type Vault = ReturnType<typeof createVault>;
