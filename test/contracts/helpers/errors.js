/* global assert, web3 */

/**
 * Custom-error assertions for Truffle tests.
 *
 * Truffle 5 + Ganache 7 report a revert in several shapes, depending on how the call was made:
 * - a view call, or `method.call(...)`: `error.data` is the revert data as a hex string;
 * - a transaction without an explicit `gas` (Truffle estimates gas first, and the estimate
 *   reverts): `error.data` is `{ result: '0x…', message: 'revert', … }`;
 * - a transaction with an explicit `gas`: it is mined and fails, and the error (a Truffle
 *   `StatusError`, or web3's "Transaction has been reverted by the EVM") carries a `receipt` but
 *   no revert data, so the transaction is replayed with `eth_call` against the state before it;
 * - older Ganache versions keyed the data by transaction hash: `error.data[hash].return`.
 */

const HEX = /^0x([0-9a-fA-F]{2})*$/;

function isHexData(value) {
  return typeof value === 'string' && HEX.test(value);
}

/** Returns the revert data carried by `error` itself, or undefined. */
function revertDataIn(error, depth = 0) {
  if (error == null || depth > 4) return undefined;
  if (isHexData(error)) return error;
  if (typeof error !== 'object') return undefined;
  for (const key of ['data', 'result', 'return', 'returnData']) {
    const found = revertDataIn(error[key], depth + 1);
    if (found !== undefined) return found;
  }
  if (error.data && typeof error.data === 'object') {
    for (const value of Object.values(error.data)) {
      if (value && typeof value === 'object' && isHexData(value.return)) return value.return;
    }
  }
  return undefined;
}

/** Replays a mined, failed transaction with `eth_call` on the state before it. */
async function replayRevertData(error) {
  const hash = error.tx || (error.receipt && error.receipt.transactionHash);
  if (!hash) return undefined;
  const tx = await web3.eth.getTransaction(hash);
  const block = Number(tx.blockNumber);
  const call = { from: tx.from, to: tx.to, data: tx.input, value: tx.value, gas: tx.gas };
  try {
    await web3.eth.call(call, block - 1);
  } catch (replayError) {
    return revertDataIn(replayError);
  }
  throw new Error(`transaction ${hash} failed, but replaying it at block ${block - 1} does not revert`);
}

/** The revert data of `error`, a rejection from Truffle or web3. */
async function extractRevertData(error) {
  const data = revertDataIn(error);
  if (data !== undefined) return data;
  const replayed = await replayRevertData(error);
  if (replayed !== undefined) return replayed;
  throw new Error(`no revert data found in error: ${error && error.message}`);
}

function abiOf(source) {
  if (Array.isArray(source)) return source;
  if (source && Array.isArray(source.abi)) return source.abi;
  throw new Error('expected an ABI, a contract instance or an artifact');
}

function signatureOf(fragment) {
  return `${fragment.name}(${fragment.inputs.map(typeOf).join(',')})`;
}

function typeOf(input) {
  if (!input.type.startsWith('tuple')) return input.type;
  return `(${input.components.map(typeOf).join(',')})${input.type.slice('tuple'.length)}`;
}

function selectorOf(fragment) {
  return web3.eth.abi.encodeFunctionSignature(signatureOf(fragment));
}

/** Values as the ABI coder accepts them (BigInt is not understood by web3 1.x). */
function encodable(value) {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(encodable);
  return value;
}

/** Decodes `data` against every custom error of `abi`: `{ name, args }`, or undefined. */
function decodeError(abi, data) {
  const fragment = abi.find((entry) => entry.type === 'error' && selectorOf(entry) === data.slice(0, 10));
  if (!fragment) return undefined;
  const decoded = web3.eth.abi.decodeParameters(fragment.inputs, `0x${data.slice(10)}`);
  return { name: fragment.name, args: fragment.inputs.map((_, i) => decoded[i]) };
}

function describeData(abi, data) {
  if (data === '0x') return 'a revert without data';
  if (data.startsWith('0x08c379a0')) {
    return `Error(${JSON.stringify(web3.eth.abi.decodeParameter('string', `0x${data.slice(10)}`))})`;
  }
  if (data.startsWith('0x4e487b71')) {
    return `Panic(0x${BigInt(web3.eth.abi.decodeParameter('uint256', `0x${data.slice(10)}`)).toString(16)})`;
  }
  const decoded = decodeError(abi, data);
  if (!decoded) return `unknown revert data ${data}`;
  return `${decoded.name}(${decoded.args.map(String).join(', ')})`;
}

/** The canonical ABI encoding of `value` as `input`, to compare values of any type. */
function canonical(input, value) {
  return web3.eth.abi.encodeParameter(input, encodable(value)).toLowerCase();
}

/**
 * Asserts that `promise` rejects with the custom error `name` of `abiSource` (an ABI, a contract
 * instance or an artifact) and exactly the arguments `args`:
 * 1. the 4-byte selector of the revert data is that of `name`;
 * 2. the arguments decoded from the revert data equal `args`, one by one;
 * 3. the revert data is exactly the encoding of `name(args)`: no missing or extra bytes.
 */
async function expectRevert(promise, abiSource, name, args = []) {
  // Settle the promise first, so that it is never left rejected and unhandled.
  let error;
  try {
    await promise;
  } catch (caught) {
    error = caught;
  }

  const abi = abiOf(abiSource);
  const candidates = abi.filter((entry) => entry.type === 'error' && entry.name === name);
  if (candidates.length === 0) throw new Error(`the ABI has no custom error named ${name}`);
  const fragment = candidates.find((entry) => entry.inputs.length === args.length);
  if (!fragment) {
    throw new Error(`${name} takes ${candidates[0].inputs.length} argument(s), ${args.length} given`);
  }

  const expectedText = `${name}(${args.map(String).join(', ')})`;
  if (!error) assert.fail(`expected a revert with ${expectedText}, but it did not revert`);
  const data = (await extractRevertData(error)).toLowerCase();
  const got = `expected a revert with ${expectedText}, got ${describeData(abi, data)}`;

  const selector = selectorOf(fragment);
  assert.strictEqual(data.slice(0, 10), selector, `${got}: the selector differs`);

  const decoded = web3.eth.abi.decodeParameters(fragment.inputs, `0x${data.slice(10)}`);
  fragment.inputs.forEach((input, i) => {
    assert.strictEqual(
      canonical(input, decoded[i]),
      canonical(input, args[i]),
      `${got}: argument ${i} (${input.type} ${input.name}) differs`,
    );
  });

  const expected = selector + web3.eth.abi.encodeParameters(fragment.inputs, encodable(args)).slice(2);
  assert.strictEqual(data, expected.toLowerCase(), `${got}: the revert data differs`);
}

module.exports = { expectRevert, extractRevertData, decodeError, selectorOf };
