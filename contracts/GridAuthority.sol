// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";

/// @title GridLedger authority
/// @notice The one AccessManager every GridLedger contract asks before a `restricted` function runs. After
/// founding, ADMIN_ROLE (0) is held by the GridTimelock only, so every function without an explicit role is
/// governance-only; member-facing functions are opened to PUBLIC_ROLE and keep their own domain checks.
/// Governance re-maps functions to roles (`setTargetFunctionRole`, `grantRole`, `setTargetClosed`) by a vote.
contract GridAuthority is AccessManager {
    /// @notice Deploys the authority with `initialAdmin` holding ADMIN_ROLE (the founder, until it hands the
    /// role to the timelock at the end of founding).
    /// @param initialAdmin The first admin.
    constructor(address initialAdmin) AccessManager(initialAdmin) {}
}
