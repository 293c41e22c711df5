/* global web3 */

/**
 * UUPS deployments for Truffle tests: an implementation behind OpenZeppelin's ERC1967Proxy,
 * initialized in the proxy's constructor, used through the implementation's ABI.
 */

/** ERC-1967's implementation slot: bytes32(uint256(keccak256('eip1967.proxy.implementation')) - 1). */
const IMPLEMENTATION_SLOT = '0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc';

/**
 * Deploys `Implementation`, then an `ERC1967Proxy` to it whose constructor calls
 * `initialize(...initializeArgs)`; returns `{ instance, implementation, proxy }`, `instance` being
 * the proxy seen through the implementation's ABI. `initializeArgs` null deploys uninitialized.
 */
async function deployProxy(Implementation, ERC1967Proxy, initializeArgs, options) {
  const implementation = await Implementation.new(options);
  const data = initializeArgs ? implementation.contract.methods.initialize(...initializeArgs).encodeABI() : '0x';
  const proxy = await ERC1967Proxy.new(implementation.address, data, options);
  const instance = await Implementation.at(proxy.address);
  return { instance, implementation, proxy };
}

/** The implementation address that the ERC-1967 proxy at `address` delegates to (checksummed). */
async function implementationOf(address) {
  const word = await web3.eth.getStorageAt(address, IMPLEMENTATION_SLOT);
  return web3.utils.toChecksumAddress(`0x${word.replace(/^0x/, '').padStart(64, '0').slice(-40)}`);
}

/** The ERC-7201 slot of namespace `id`: keccak256(abi.encode(uint256(keccak256(id)) - 1)) & ~0xff. */
function erc7201Slot(id) {
  const inner = BigInt(web3.utils.keccak256(id)) - 1n;
  const outer = BigInt(web3.utils.keccak256(web3.eth.abi.encodeParameter('uint256', inner.toString())));
  return `0x${(outer & ~0xffn).toString(16).padStart(64, '0')}`;
}

module.exports = { IMPLEMENTATION_SLOT, deployProxy, implementationOf, erc7201Slot };
