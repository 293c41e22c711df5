// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IEHRv2} from "../IEHRv2.sol";

/**
 * @title EHRSeeder — fills the EHR contract (its second version) with reports for the benchmark, never deployed by the app.
 * @notice Registers itself as a patient and adds many real reports of the EHR contract in one
 * transaction, so that `npm run bench` can put tens of thousands of reports on the ledger in
 * seconds; the app's read model then catches them up from their events like any others.
 */
contract EHRSeeder {
    /// @notice The EHR contract this seeder fills.
    IEHRv2 public immutable TARGET;

    /// @notice Registers this contract as a patient of `ehr`.
    constructor(IEHRv2 ehr) {
        TARGET = ehr;
        ehr.registerPatient();
    }

    /// @notice Adds `count` reports shared with `hospitalIds`; commitments are derived from `salt`.
    function seed(uint256 count, uint256[] calldata hospitalIds, bytes32 salt) external {
        for (uint256 i = 0; i < count; ++i) {
            TARGET.addReport(keccak256(abi.encode(salt, i)), hospitalIds, 0);
        }
    }
}
