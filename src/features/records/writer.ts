/**
 * The one path every ledger write takes. A write with a body stores the encrypted body as
 * pending, sends the transaction, then — in one database transaction — confirms the body and
 * applies the receipt's events to the read model, so the page after the redirect shows it.
 * A write that certainly did not reach the ledger leaves nothing behind.
 *
 * Files a body lists are tied to it as soon as it is stored, so the sweep of unlisted uploads
 * never takes a file whose record is on its way to the ledger; a write that certainly failed
 * takes its files with its body.
 */
import type { LedgerReceipt } from '../../ledger/ehr-client';
import { certainlyNotOnLedger } from '../../ledger/errors';
import type { BodyKind, Store } from '../../store/ports';
import type { BodyOf, Vault } from './vault';

/**
 * `onEvents` hears the events of each of the app's own writes once they are in the read model
 * (the ledger reads' cache forgets what a revoke changed).
 */
export function createLedgerWriter(
  store: Pick<Store, 'bodies' | 'projection' | 'transaction' | 'files' | 'blobs'>,
  vault: Vault,
  onEvents: (events: LedgerReceipt['events']) => void = () => undefined,
) {
  const { bodies, projection } = store;
  const project = async (receipt: LedgerReceipt) => {
    await projection.applyAll(receipt.events, { blockNumber: receipt.blockNumber, transactionHash: receipt.transactionHash, timestamp: receipt.timestamp });
    onEvents(receipt.events);
  };

  return {
    async write<R extends LedgerReceipt>(send: () => Promise<R>): Promise<R> {
      const receipt = await send();
      await project(receipt);
      return receipt;
    },

    async writeWithBody<K extends BodyKind, R extends LedgerReceipt>(
      kind: K,
      author: string,
      body: BodyOf<K>,
      send: (commitment: string) => Promise<R>,
      /** A prescription's report: its body is bound to it (see the vault). */
      reportId?: number,
    ): Promise<R> {
      const commitment = await vault.storePending(kind, author, body, reportId);
      const fileIds = ((body as { files?: readonly { id: string }[] }).files ?? []).map(file => file.id);
      let receipt: R;
      try {
        if (fileIds.length > 0) await store.files.attach(fileIds, commitment);
        receipt = await send(commitment);
      } catch (error) {
        // Refused, or the node was out of reach before the transaction was sent: nothing of the
        // write remains. Otherwise it may have been sent: the body stays pending until its event
        // arrives (confirmed) or the next start finds it missing (failed, shown to its author).
        if (certainlyNotOnLedger(error)) {
          await bodies.discard(commitment);
          if (fileIds.length > 0) {
            await store.blobs.remove(fileIds);
            await store.files.remove(fileIds);
          }
        }
        throw error;
      }
      await store.transaction(async () => {
        await bodies.confirm(commitment, receipt.transactionHash, receipt.blockNumber);
        await project(receipt);
      });
      return receipt;
    },
  };
}

export type LedgerWriter = ReturnType<typeof createLedgerWriter>;
