/**
 * The tamper lab's sums (src/ledger/block-hash.ts) against a node that packs many transactions
 * into one block: legacy and EIP-1559 transactions, more than 128 of them (so the trie's keys
 * RLP(i) take one byte and two), every block's transactions root and hash as the node has them.
 */
import assert from 'node:assert/strict';
import ganache from 'ganache';
import { encodeTransaction, headerHash, keccak, orderedTrieRoot, quantity, rlp, trieRoot, type RpcHeader, type RpcTransaction } from '../../src/ledger/block-hash';

type Provider = ReturnType<typeof ganache.provider>;
const send = <T>(provider: Provider, method: string, params: unknown[] = []) => provider.request({ method, params } as never) as Promise<T>;
const hex = (bytes: Uint8Array) => `0x${Buffer.from(bytes).toString('hex')}`;

describe('block hashes and transaction tries, computed as a node does', function () {
  this.timeout(120_000);
  let provider: Provider;

  before(() => {
    provider = ganache.provider({ logging: { quiet: true }, wallet: { totalAccounts: 2 }, chain: { hardfork: 'shanghai' }, miner: { instamine: 'eager' } });
  });
  after(() => provider?.disconnect());

  it('encodes RLP as the Yellow Paper does', () => {
    assert.equal(hex(rlp(new Uint8Array())), '0x80');
    assert.equal(hex(rlp(quantity(0))), '0x80');
    assert.equal(hex(rlp(quantity(15))), '0x0f');
    assert.equal(hex(rlp(quantity(1024))), '0x820400');
    assert.equal(hex(rlp([Buffer.from('cat'), Buffer.from('dog')])), '0xc88363617483646f67');
    assert.equal(hex(rlp(Buffer.from('Lorem ipsum dolor sit amet, consectetur adipisicing elit'))).slice(0, 8), '0xb838' + '4c');
    assert.equal(hex(rlp([[], [[]], [[], [[]]]])), '0xc7c0c1c0c3c0c1c0');
  });

  it('gives the empty trie its well-known root', () => {
    assert.equal(trieRoot([]), '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421');
    assert.equal(orderedTrieRoot([]), '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421');
  });

  it("recomputes the node's transactions root and block hash for a block of 140 transactions, legacy and typed", async () => {
    const [from, to] = await send<string[]>(provider, 'eth_accounts');
    await send(provider, 'miner_stop');
    const hashes: string[] = [];
    for (let i = 0; i < 140; i++) {
      const legacy = i % 3 === 0;
      const tx = legacy
        ? { from, to, value: `0x${(i + 1).toString(16)}`, gas: '0x5208', gasPrice: '0x77359400', type: '0x0' }
        : { from, to: i % 5 === 0 ? null : to, value: '0x0', gas: '0x30d40', maxFeePerGas: '0x77359400', maxPriorityFeePerGas: '0x1', data: i % 5 === 0 ? '0x600160005500' : `0x${'ab'.repeat(i)}` };
      hashes.push(await send<string>(provider, 'eth_sendTransaction', [tx]));
    }
    await send(provider, 'evm_mine');
    await send(provider, 'miner_start');
    const receipt = await send<{ blockNumber: string }>(provider, 'eth_getTransactionReceipt', [hashes[0]]);
    const block = await send<RpcHeader & { transactions: RpcTransaction[] }>(provider, 'eth_getBlockByNumber', [receipt.blockNumber, true]);
    assert.equal(block.transactions.length, 140, 'the node did not pack the transactions into one block');
    const encoded = block.transactions.map(encodeTransaction);
    block.transactions.forEach((tx, i) => assert.equal(keccak(encoded[i]), tx.hash, `transaction ${i} (type ${tx.type})`));
    assert.equal(orderedTrieRoot(encoded), block.transactionsRoot);
    assert.equal(headerHash(block), block.hash);

    // Every block of this chain, the genesis block too.
    const latest = Number(await send<string>(provider, 'eth_blockNumber'));
    for (let n = 0; n <= latest; n++) {
      const each = await send<RpcHeader & { transactions: RpcTransaction[] }>(provider, 'eth_getBlockByNumber', [`0x${n.toString(16)}`, true]);
      assert.equal(orderedTrieRoot(each.transactions.map(encodeTransaction)), each.transactionsRoot, `block ${n}`);
      assert.equal(headerHash(each), each.hash, `block ${n}`);
    }

    // One transaction changed: another root, another hash.
    const changed = encoded.slice();
    changed[77] = encodeTransaction({ ...block.transactions[77], value: '0x1' });
    assert.notEqual(orderedTrieRoot(changed), block.transactionsRoot);
    assert.notEqual(headerHash({ ...block, transactionsRoot: orderedTrieRoot(changed) }), block.hash);
  });
});
