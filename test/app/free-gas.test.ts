/**
 * A free-gas chain (issue 20; docs/deploy.md's Besu network with `zeroBaseFee`): blocks with a
 * base fee of zero and a gas price of zero. The app sends legacy transactions at that price, so a
 * user's transactions cost nothing and no account is ever funded, whatever tip the node suggests.
 */
import assert from 'node:assert/strict';
import { startContext, type AppContext } from '../../src/context';
import { createServices, type Services } from '../../src/services';
import { startAnvil, type AnvilNode } from '../support/anvil';
import { testConfig } from '../support/context';
import { addressOf, seedWorld } from '../support/world';
import { rpcResult } from '../support/json-rpc';

describe('on a free-gas chain (base fee and gas price zero)', function () {
  this.timeout(60_000);
  let node: AnvilNode;
  let context: AppContext;
  let services: Services;

  before(async () => {
    node = await startAnvil({ freeGas: true });
    context = await startContext(await testConfig({ RPC_URL: node.url }));
    services = createServices(context, { bcryptCost: 4, log: () => undefined });
  });
  after(async () => {
    await services?.background.settled();
    await context?.close();
    await node?.stop();
  });

  const rpc = <T>(method: string, params: unknown[]) => rpcResult<T>(node.url, method, params);

  it('sends legacy transactions at a price of zero, and funds no account', async () => {
    await seedWorld(context, services, { hospitals: [{ name: 'Apollo' }], patients: [{ username: 'alice' }], reports: [{ patient: 'alice', title: 'Blood test', sharedWith: ['Apollo'] }] });
    const latest = await rpc<{ baseFeePerGas: string; transactions: { type: string; gasPrice: string; from: string }[] }>('eth_getBlockByNumber', ['latest', true]);
    assert.equal(BigInt(latest.baseFeePerGas), 0n);
    const [report] = latest.transactions; // alice's report, the world's last write
    assert.equal(report.from.toLowerCase(), addressOf(context, 'alice').toLowerCase());
    assert.equal(Number(report.type), 0, `a transaction of type ${report.type}`);
    assert.equal(BigInt(report.gasPrice), 0n);
    assert.equal(BigInt(await rpc<string>('eth_getBalance', [addressOf(context, 'alice'), 'latest'])), 0n, 'alice was never funded');
  });
});
