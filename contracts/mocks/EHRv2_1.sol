// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// solhint-disable contract-name-capwords
import {EHRv2} from "../EHRv2.sol";

/**
 * @title EHRv2_1 — a dummy next version of EHRv2, never deployed by the app.
 * @notice EHRv2 plus one function: the tests upgrade a proxy to it and check that every record
 * of the version before is still there, read through the new implementation.
 */
contract EHRv2_1 is EHRv2 {
    /// @notice The version of the implementation.
    function version() external pure override returns (string memory) {
        return "2.1.0";
    }

    /// @notice A function that the version before did not have.
    function hello() external pure returns (string memory) {
        return "hello from 2.1.0";
    }
}
