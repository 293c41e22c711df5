/* global web3 */
const { rpc } = require('./fixture');

/**
 * The node's clock, for tests of anything that ends (grants, emergencies): the clock is moved
 * with `evm_increaseTime` and a block mined with `evm_mine`, never waited for.
 */

/** The timestamp of the latest block, as a Number. */
async function latestTime() {
  const block = await web3.eth.getBlock('latest');
  return Number(block.timestamp);
}

/** The timestamp of the block that mined `result` (a Truffle result or a receipt), as a Number. */
async function timestampOf(result) {
  const receipt = result.receipt || result;
  const block = await web3.eth.getBlock(receipt.blockNumber);
  return Number(block.timestamp);
}

/** Moves the node's clock `seconds` forward and mines a block on it; returns the new block time. */
async function increaseTime(seconds) {
  await rpc('evm_increaseTime', [Number(seconds)]);
  await rpc('evm_mine', []);
  return latestTime();
}

/** Mines blocks until the latest block's timestamp is at least `timestamp`. */
async function increaseTimeTo(timestamp) {
  const now = await latestTime();
  if (timestamp > now) await increaseTime(timestamp - now);
  return latestTime();
}

module.exports = { latestTime, timestampOf, increaseTime, increaseTimeTo };
