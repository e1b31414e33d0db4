// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IConsortium} from "../interfaces/IConsortium.sol";

/// @dev Names of the Consortium's reserved parameters (left-aligned ASCII `bytes32`).
bytes32 constant QUORUM_NUMERATOR = "quorum.numerator";
bytes32 constant QUORUM_DENOMINATOR = "quorum.denominator";
bytes32 constant VOTING_PERIOD = "voting.period";

/// @title Which values the Consortium's named parameters may take.
/// @dev Internal functions, inlined into the Consortium; they revert with the Consortium's errors.
library ParameterRules {
    uint256 private constant MIN_VOTING_PERIOD = 1 hours;
    uint256 private constant MAX_VOTING_PERIOD = 365 days;
    /// @dev Keeps votes * denominator far from overflow.
    uint256 private constant MAX_QUORUM_DENOMINATOR = type(uint128).max;

    /// @dev Refuses setting `name` to `value` given the current quorum (`numerator`/`denominator`): a quorum
    /// must stay 0 < n < d <= 2^128 - 1 with n * 2 >= d, the voting period 1 hour to 365 days, and other
    /// names in the `quorum.`/`voting.` namespaces (and the empty name) are reserved.
    function check(bytes32 name, uint256 value, uint256 numerator, uint256 denominator) internal pure {
        if (name == QUORUM_NUMERATOR) {
            checkQuorum(value, denominator);
        } else if (name == QUORUM_DENOMINATOR) {
            checkQuorum(numerator, value);
        } else if (name == VOTING_PERIOD) {
            if (value < MIN_VOTING_PERIOD || value > MAX_VOTING_PERIOD) {
                revert IConsortium.ConsortiumInvalidVotingPeriod(value);
            }
        } else if (name == bytes32(0) || bytes7(name) == "quorum." || bytes7(name) == "voting.") {
            revert IConsortium.ConsortiumReservedParameter(name);
        }
    }

    /// @dev numerator * 2 >= denominator, written so it cannot overflow.
    function checkQuorum(uint256 numerator, uint256 denominator) internal pure {
        if (
            numerator == 0 || numerator >= denominator || numerator < denominator - numerator
                || denominator > MAX_QUORUM_DENOMINATOR
        ) revert IConsortium.ConsortiumInvalidQuorum(numerator, denominator);
    }
}
