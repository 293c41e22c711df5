/* global artifacts, web3 */
const fs = require('fs');
const path = require('path');

const EHRv2 = artifacts.require('EHRv2');
const ERC1967Proxy = artifacts.require('ERC1967Proxy');

/**
 * Deploys the EHR contract's second version the upgradeable way (UUPS, OpenZeppelin 5): the
 * implementation, then an ERC-1967 proxy whose constructor calls `initialize(admin)`, the admin
 * being the deploying account. The app talks to the proxy: its address, events and storage stay
 * when a later version is put behind it (`npm run upgrade`).
 *
 * When EHR_DEPLOYMENT_FILE is set (by `npm start`), the deployment is recorded there, so that the
 * address never lands in a tracked file.
 */
module.exports = async function deployEhr(deployer, network, accounts) {
  await deployer.deploy(EHRv2);
  const implementation = await EHRv2.deployed();
  const initialize = implementation.contract.methods.initialize(accounts[0]).encodeABI();
  await deployer.deploy(ERC1967Proxy, implementation.address, initialize);
  const proxy = await ERC1967Proxy.deployed();
  const transactionHash = ERC1967Proxy.transactionHash || proxy.transactionHash;
  const file = process.env.EHR_DEPLOYMENT_FILE;
  if (!file) return;
  const receipt = await web3.eth.getTransactionReceipt(transactionHash);
  const record = {
    address: proxy.address,
    implementation: implementation.address,
    version: await (await EHRv2.at(proxy.address)).version(),
    transactionHash,
    blockNumber: Number(receipt.blockNumber),
    chainId: Number(await web3.eth.getChainId()),
    deployedAt: new Date().toISOString(),
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(record, null, 2));
  fs.renameSync(`${file}.tmp`, file);
};
