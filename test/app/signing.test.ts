/**
 * The app's own signing of legacy transactions (src/ledger/signing.ts) gives exactly the bytes
 * web3's signTransaction gives, for every kind of transaction the app sends: a contract's
 * function, a creation, a transfer, zero and large fields, the chain ids of Ganache, Anvil and
 * Hardhat and a large one. The native keccak256 and secp256k1 under it agree with the
 * JavaScript fallback.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { eth } from 'web3';
import { CRYPTO_BACKEND, javascript, keccak256, signDigest } from '../../src/crypto/keccak-secp256k1';
import { signFeeMarketTransaction, signLegacyTransaction, type FeeMarketTransaction, type LegacyTransaction } from '../../src/ledger/signing';

async function web3Signed(tx: LegacyTransaction, chainId: bigint, privateKey: string): Promise<string> {
  const common = eth.accounts.Common.custom({ chainId: Number(chainId), networkId: Number(chainId) }, { baseChain: 'mainnet', hardfork: 'merge' });
  const unsigned = eth.accounts.Transaction.fromTxData(
    { nonce: tx.nonce, gasPrice: tx.gasPrice, gasLimit: tx.gasLimit, to: tx.to, value: tx.value ?? 0n, data: tx.data ?? '0x' },
    { common },
  );
  return (await eth.accounts.signTransaction(unsigned, privateKey)).rawTransaction;
}

async function web3SignedFeeMarket(tx: FeeMarketTransaction, chainId: bigint, privateKey: string): Promise<string> {
  const common = eth.accounts.Common.custom({ chainId: Number(chainId), networkId: Number(chainId) }, { baseChain: 'mainnet', hardfork: 'london' }); // web3's Common knows no Shanghai parameters ("4895 not supported"); the encoding is London's
  const unsigned = eth.accounts.FeeMarketEIP1559Transaction.fromTxData(
    { chainId, nonce: tx.nonce, maxFeePerGas: tx.maxFeePerGas, maxPriorityFeePerGas: tx.maxPriorityFeePerGas, gasLimit: tx.gasLimit, to: tx.to, value: tx.value ?? 0n, data: tx.data ?? '0x' },
    { common },
  );
  return (await eth.accounts.signTransaction(unsigned, privateKey)).rawTransaction;
}

const hex = (bytes: number) => `0x${crypto.randomBytes(bytes).toString('hex')}`;

describe('signing a legacy transaction', () => {
  const cases: { label: string; tx: LegacyTransaction }[] = [
    { label: 'a call', tx: { nonce: 7n, gasPrice: 2_000_000_000n, gasLimit: 234_010n, to: hex(20), value: 0n, data: hex(4 + 32 * 5) } },
    { label: 'a creation', tx: { nonce: 0n, gasPrice: 1n, gasLimit: 3_000_000n, data: hex(2000) } },
    { label: 'a transfer', tx: { nonce: 1n, gasPrice: 0n, gasLimit: 21_000n, to: hex(20), value: 10n ** 17n } },
    { label: 'large fields', tx: { nonce: 2n ** 40n, gasPrice: 10n ** 12n, gasLimit: 30_000_000n, to: hex(20), value: 2n ** 100n, data: '0x' } },
  ];
  for (const chainId of [1337n, 31337n, 833_087_329n, 2n ** 40n]) {
    for (const { label, tx } of cases) {
      it(`gives web3's bytes for ${label} on chain ${chainId}`, async () => {
        for (let i = 0; i < 5; i++) {
          const key = hex(32);
          assert.equal(signLegacyTransaction(tx, chainId, key), await web3Signed(tx, chainId, key));
        }
      });
    }
  }
});

describe('signing an EIP-1559 transaction', () => {
  const cases: { label: string; tx: FeeMarketTransaction }[] = [
    { label: 'a call', tx: { nonce: 7n, maxFeePerGas: 2_875_000_000n, maxPriorityFeePerGas: 1_000_000_000n, gasLimit: 234_010n, to: hex(20), value: 0n, data: hex(4 + 32 * 5) } },
    { label: 'a creation', tx: { nonce: 0n, maxFeePerGas: 1n, maxPriorityFeePerGas: 0n, gasLimit: 3_000_000n, data: hex(2000) } },
    { label: 'a transfer', tx: { nonce: 1n, maxFeePerGas: 0n, maxPriorityFeePerGas: 0n, gasLimit: 21_000n, to: hex(20), value: 10n ** 17n } },
    { label: 'large fields', tx: { nonce: 2n ** 40n, maxFeePerGas: 10n ** 12n, maxPriorityFeePerGas: 10n ** 11n, gasLimit: 30_000_000n, to: hex(20), value: 2n ** 100n, data: '0x' } },
  ];
  for (const chainId of [1337n, 31337n, 833_087_329n, 2n ** 40n]) {
    for (const { label, tx } of cases) {
      it(`gives web3's bytes for ${label} on chain ${chainId}`, async () => {
        for (let i = 0; i < 5; i++) {
          const key = hex(32);
          assert.equal(signFeeMarketTransaction(tx, chainId, key), await web3SignedFeeMarket(tx, chainId, key));
        }
      });
    }
  }
});

describe('the native keccak256 and secp256k1', () => {
  it('are the ones in use here (the prebuilt bindings load)', () => {
    assert.equal(CRYPTO_BACKEND, 'native');
  });

  it('give the same signatures as the JavaScript fallback, for 200 keys and digests', () => {
    for (let i = 0; i < 200; i++) {
      const digest = crypto.randomBytes(32);
      const key = crypto.randomBytes(32);
      assert.deepEqual(signDigest(digest, key), javascript.signDigest(digest, key));
    }
  });

  it('give the same keccak256 as the JavaScript fallback, from empty to 10 KB', () => {
    for (const length of [0, 1, 31, 32, 135, 136, 137, 1400, 10_000]) {
      const bytes = crypto.randomBytes(length);
      assert.equal(keccak256(bytes), javascript.keccak256(bytes));
    }
    assert.equal(keccak256(new Uint8Array()), '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'); // keccak256 of nothing
  });
});
