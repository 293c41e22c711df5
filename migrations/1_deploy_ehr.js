/* global artifacts, web3 */
const fs = require('fs');
const path = require('path');

const EHR = artifacts.require('EHR');

/**
 * Deploys the EHR contract. When EHR_DEPLOYMENT_FILE is set (by `npm start`), the deployment is
 * recorded there, inside DATA_DIR, so that the address never lands in a tracked file.
 */
module.exports = async function deployEhr(deployer) {
  await deployer.deploy(EHR);
  const ehr = await EHR.deployed();
  const transactionHash = EHR.transactionHash || ehr.transactionHash;
  const file = process.env.EHR_DEPLOYMENT_FILE;
  if (!file) return;
  const receipt = await web3.eth.getTransactionReceipt(transactionHash);
  const record = {
    address: ehr.address,
    transactionHash,
    blockNumber: Number(receipt.blockNumber),
    chainId: Number(await web3.eth.getChainId()),
    deployedAt: new Date().toISOString(),
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(record, null, 2));
  fs.renameSync(`${file}.tmp`, file);
};
