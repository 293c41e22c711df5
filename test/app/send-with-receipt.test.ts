/**
 * A node that mines each transaction on arrival and knows eth_sendRawTransactionSync (EIP-7966):
 * Anvil with automine. A write there is one request, answered with its receipt, instead of a
 * send and a receipt poll; its hash, block and time are the node's, and a refusal is still the
 * contract's custom error. With automine off (interval mining) the app sends and polls as on any
 * other node, since the call would hold the account's queue until the next block.
 */
import assert from 'node:assert/strict';
import { startContext, type AppContext } from '../../src/context';
import { LedgerRevertError } from '../../src/ledger/errors';
import { createServices, type Services } from '../../src/services';
import { startAnvil, type AnvilNode } from '../support/anvil';
import { testConfig } from '../support/context';
import { rpcResult } from '../support/json-rpc';
import { startRpcProxy, type RpcProxy } from '../support/rpc-proxy';
import { seedWorld, type World } from '../support/world';

const SEND_METHODS = ['eth_sendRawTransactionSync', 'eth_sendRawTransaction', 'eth_getTransactionReceipt'] as const;

function describeOnAnvil(title: string, automine: boolean, body: (setup: () => { node: AnvilNode; proxy: RpcProxy; context: AppContext; world: World }) => void) {
  describe(title, function () {
    this.timeout(60_000);
    let node: AnvilNode;
    let proxy: RpcProxy;
    let context: AppContext;
    let services: Services;
    let world: World;

    before(async () => {
      node = await startAnvil();
      if (!automine) {
        await rpcResult(node.url, 'evm_setAutomine', [false]);
        await rpcResult(node.url, 'evm_setIntervalMining', [1]);
      }
      proxy = await startRpcProxy(node.url);
      context = await startContext(await testConfig({ RPC_URL: proxy.url }));
      services = createServices(context, { bcryptCost: 4, log: () => undefined });
      world = await seedWorld(context, services, {
        hospitals: [{ name: 'Apollo' }, { name: 'Care' }],
        patients: [{ username: 'alice' }],
        reports: [{ patient: 'alice', title: 'Blood test', sharedWith: ['Apollo'] }],
      });
    });
    after(async () => {
      await services?.background.settled();
      await context?.close();
      await proxy?.close();
      await node?.stop();
    });

    body(() => ({ node, proxy, context, world }));
  });
}

/** How many requests of each sending method `work` made. */
async function requestsOf(proxy: RpcProxy, work: () => Promise<unknown>): Promise<Record<(typeof SEND_METHODS)[number], number>> {
  const counts = () => Object.fromEntries(SEND_METHODS.map(method => [method, proxy.count(method).forwarded])) as Record<(typeof SEND_METHODS)[number], number>;
  const before = counts();
  await work();
  const after = counts();
  return Object.fromEntries(SEND_METHODS.map(method => [method, after[method] - before[method]])) as Record<(typeof SEND_METHODS)[number], number>;
}

async function signerOf(context: AppContext, username: string) {
  return context.custodian.signer((await context.store.users.findByUsername(username))!.address);
}

describeOnAnvil('writes on a node that mines on arrival and answers the send with its receipt (Anvil, automine)', true, setup => {
  it('makes each write one request, with the hash, block and time the node gives', async () => {
    const { node, proxy, context, world } = setup();
    const alice = await signerOf(context, 'alice');
    let mined: Awaited<ReturnType<typeof context.ledger.client.shareReport>> | undefined;
    const requests = await requestsOf(proxy, async () => {
      mined = await context.ledger.client.shareReport(alice, world.reports[0], world.hospitals.Care);
    });
    assert.deepEqual(requests, { eth_sendRawTransactionSync: 1, eth_sendRawTransaction: 0, eth_getTransactionReceipt: 0 });
    const receipt = await rpcResult<{ transactionHash: string; blockNumber: string; status: string }>(node.url, 'eth_getTransactionReceipt', [mined!.transactionHash]);
    assert.equal(receipt.status, '0x1');
    assert.equal(Number(receipt.blockNumber), mined!.blockNumber);
    const block = await rpcResult<{ timestamp: string }>(node.url, 'eth_getBlockByNumber', [receipt.blockNumber, false]);
    assert.equal(Number(block.timestamp), mined!.timestamp);
    assert.ok(mined!.events.some(event => event.name === 'ReportShared'), 'its events were read from the receipt');
  });

  it("gives a write the node mined and reverted as the contract's custom error", async () => {
    const { proxy, context, world } = setup();
    const alice = await signerOf(context, 'alice');
    await context.ledger.client.revokeReport(alice, world.reports[0], world.hospitals.Apollo);
    let refused: unknown;
    const requests = await requestsOf(proxy, async () => {
      // A revoke of a grant that has ended, of a shape already known: no estimate, so the node mines it and it fails.
      refused = await context.ledger.client.revokeReport(alice, world.reports[0], world.hospitals.Apollo).catch((error: unknown) => error);
    });
    assert.ok(refused instanceof LedgerRevertError, `not a decoded revert: ${String(refused)}`);
    assert.equal(refused.error.name, 'EHRGrantEnded');
    assert.equal(requests.eth_sendRawTransactionSync, 1, 'the refused write was not mined');
  });
});

describeOnAnvil('writes on the same node with automine off (a block every second)', false, setup => {
  it('hands each write over and polls for its receipt, as on any other node', async () => {
    const { proxy, context, world } = setup();
    const alice = await signerOf(context, 'alice');
    const requests = await requestsOf(proxy, () => context.ledger.client.shareReport(alice, world.reports[0], world.hospitals.Care));
    assert.equal(requests.eth_sendRawTransactionSync, 0);
    assert.equal(requests.eth_sendRawTransaction, 1);
    assert.ok(requests.eth_getTransactionReceipt >= 1);
  });
});
