// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title NaiveEHR — the benchmark's baseline, never deployed by the app.
 * @notice Stores a report the naive way: its whole text as a `string` in contract storage, with
 * the list of hospitals it is shared with as an array. `npm run bench` compares the gas of
 * adding a report here with the app's EHR, which keeps a 32-byte commitment and a bitmap.
 */
contract NaiveEHR {
    struct Report {
        address patient;
        uint256 createdAt;
        string body;
        uint256[] hospitalIds;
    }

    uint256 private _reportCount;
    mapping(uint256 reportId => Report entry) private _reports;

    /// @notice A report was stored with its text.
    event ReportAdded(uint256 indexed reportId, address indexed patient);

    /// @notice Stores `body` and the hospitals that may read it; returns the new report's id.
    function addReport(string calldata body, uint256[] calldata hospitalIds) external returns (uint256 reportId) {
        reportId = ++_reportCount;
        Report storage entry = _reports[reportId];
        entry.patient = msg.sender;
        entry.createdAt = block.timestamp;
        entry.body = body;
        entry.hospitalIds = hospitalIds;
        emit ReportAdded(reportId, msg.sender);
    }

    /// @notice The stored text of a report.
    function body(uint256 reportId) external view returns (string memory) {
        return _reports[reportId].body;
    }
}
