// The Hardhat network the any-node tests start (`hardhat node`): Shanghai, as Ganache runs it.
module.exports = { networks: { hardhat: { hardfork: 'shanghai', chainId: 31337 } } };
