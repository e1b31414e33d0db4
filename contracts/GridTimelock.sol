// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title GridLedger timelock
/// @notice Executes what the ConsortiumGovernor's passed proposals call, after `getMinDelay()` seconds (0 by
/// default). It holds the GridAuthority's ADMIN_ROLE, so it is the one account governance acts through.
/// Founding grants PROPOSER_ROLE and CANCELLER_ROLE to the governor, lets anyone execute a ready operation
/// (executor address(0)) and ends with the deployer renouncing its admin role.
contract GridTimelock is TimelockController {
    /// @notice Deploys the timelock.
    /// @param minDelay Seconds between queueing and executing an operation.
    /// @param proposers Accounts granted PROPOSER_ROLE and CANCELLER_ROLE (none at founding).
    /// @param executors Accounts granted EXECUTOR_ROLE (address(0): anyone).
    /// @param admin Optional admin that wires the roles and then renounces (address(0) for none).
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
