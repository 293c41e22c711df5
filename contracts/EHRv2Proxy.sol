// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// EHRv2 is deployed behind OpenZeppelin's ERC1967Proxy: importing it here makes Truffle compile it,
// so that migrations and tests can `artifacts.require('ERC1967Proxy')`. Deploy it with the address
// of an EHRv2 implementation and the encoded call `initialize(admin)`.
// solhint-disable-next-line no-unused-import
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
