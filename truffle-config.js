/**
 * Truffle configuration.
 *
 * The Solidity compiler is the `solc` npm package's own soljson.js: Truffle loads a local path
 * given as `version`, so compiling never downloads a compiler.
 *
 * Network `ehr` is the node the app uses. `npm start` runs `truffle migrate --network ehr` with
 * EHR_RPC_URL (and, for a node without unlocked accounts, EHR_DEPLOYER_KEY) set; in a classroom,
 * `npx truffle console --network ehr` opens a console on the embedded node's port. The app opens
 * that port only when asked: start it with `CHAIN_PORT=8545 npm start` first (the port is off
 * by default; the app needs none).
 */
const EVM_VERSION = 'shanghai'; // the newest hard fork Ganache 7.9 runs

/**
 * The node: EHR_RPC_URL (set by `npm start`), else the embedded node's CHAIN_PORT as the app was
 * started with it (unset or `off` here: 8545, the port the classroom guide opens).
 */
function ehrUrl() {
  const port = /^\d+$/.test(process.env.CHAIN_PORT || '') ? process.env.CHAIN_PORT : 8545;
  return process.env.EHR_RPC_URL || `http://127.0.0.1:${port}`;
}

function ehrProvider() {
  const url = ehrUrl();
  const key = process.env.EHR_DEPLOYER_KEY;
  if (!key) return undefined; // use the node's first unlocked account
  const HDWalletProvider = require('@truffle/hdwallet-provider');
  return () => new HDWalletProvider({ privateKeys: [key.replace(/^0x/, '')], providerOrUrl: url });
}

function ehrNetwork() {
  const url = new URL(ehrUrl());
  const provider = ehrProvider();
  if (provider) return { provider, network_id: '*' };
  return { host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)), network_id: '*' };
}

module.exports = {
  contracts_directory: './contracts',
  // `npm start` migrates against a private copy of the build (EHR_BUILD_DIR): Truffle rewrites the
  // artifacts it deploys, not atomically, and the app and parallel starts read the shared build.
  contracts_build_directory: process.env.EHR_BUILD_DIR || './build/contracts',
  migrations_directory: './migrations',
  test_directory: './test/contracts',
  networks: {
    ehr: ehrNetwork(),
  },
  compilers: {
    solc: {
      version: require.resolve('solc/soljson.js'),
      settings: {
        optimizer: { enabled: true, runs: 200 },
        evmVersion: EVM_VERSION,
      },
    },
  },
  mocha: {
    timeout: 60000,
  },
};
