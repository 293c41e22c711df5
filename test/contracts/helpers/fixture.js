/* global web3 */

/**
 * `loadFixture(fn)`, after Hardhat's: the first call runs `fn` and takes an EVM snapshot; later
 * calls revert the chain to that snapshot (and take a new one, since Ganache consumes a snapshot
 * when reverting to it) and return the same result. Reverting to a snapshot discards the ones
 * taken after it, so their fixtures run again the next time they are loaded.
 */

const snapshots = [];

/** Sends a JSON-RPC request to the node (Ganache's `evm_*` methods) and resolves with its result. */
function rpc(method, params = []) {
  return new Promise((resolve, reject) => {
    web3.currentProvider.send({ jsonrpc: '2.0', id: Date.now(), method, params }, (error, response) => {
      if (error) return reject(error);
      if (response.error) return reject(new Error(response.error.message));
      return resolve(response.result);
    });
  });
}

async function loadFixture(fixture) {
  const index = snapshots.findIndex((entry) => entry.fixture === fixture);
  if (index !== -1) {
    const entry = snapshots[index];
    const reverted = await rpc('evm_revert', [entry.id]);
    snapshots.splice(reverted ? index + 1 : index);
    if (reverted) {
      entry.id = await rpc('evm_snapshot');
      return entry.result;
    }
    // The snapshot is gone (Truffle reverts the chain between `contract()` blocks): run again.
  }
  const result = await fixture();
  snapshots.push({ fixture, result, id: await rpc('evm_snapshot') });
  return result;
}

module.exports = { loadFixture, rpc };
