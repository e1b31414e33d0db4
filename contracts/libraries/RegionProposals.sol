// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IConsortium} from "../interfaces/IConsortium.sol";
import {IRegistry} from "../interfaces/IRegistry.sol";
import {RegionRules} from "./RegionRules.sol";

/// @title The Consortium's checks and payloads of region proposals: approving a new code, updating one.
/// @dev Internal functions, inlined into the Consortium; they revert with the Consortium's errors. The
/// region operator's role is checked by the Consortium, which holds the roles.
library RegionProposals {
    /// @dev A new region: the registry is bound, the code and interval are valid, the code is not approved yet.
    function checkNew(address registry, string memory code, uint32 intervalSeconds) internal view {
        if (registry == address(0)) revert IConsortium.ConsortiumRegistryNotBound();
        if (!RegionRules.isValidCode(code)) revert IConsortium.ConsortiumInvalidRegionCode(code);
        if (!RegionRules.isValidInterval(intervalSeconds)) {
            revert IConsortium.ConsortiumInvalidRegionInterval(intervalSeconds);
        }
        if (IRegistry(registry).hasRegion(keccak256(bytes(code)))) revert IConsortium.ConsortiumRegionExists(code);
    }

    /// @dev An approved region as the registry holds it now.
    function current(address registry, string memory code) internal view returns (IRegistry.Region memory) {
        if (registry == address(0)) revert IConsortium.ConsortiumRegistryNotBound();
        bytes32 regionId = keccak256(bytes(code));
        if (!IRegistry(registry).hasRegion(regionId)) revert IConsortium.ConsortiumUnknownRegion(code);
        return IRegistry(registry).region(regionId);
    }

    /// @dev The PROPOSAL_UPDATE_REGION payload: the new names and operator, then those they replace.
    function updatePayload(
        string calldata code,
        string calldata nameZh,
        string calldata nameEn,
        address operator,
        IRegistry.Region memory from
    ) internal pure returns (bytes memory) {
        if (
            keccak256(bytes(nameZh)) == keccak256(bytes(from.nameZh))
                && keccak256(bytes(nameEn)) == keccak256(bytes(from.nameEn)) && operator == from.operator
        ) revert IConsortium.ConsortiumRegionUnchanged(code);
        return abi.encode(code, nameZh, nameEn, operator, from.nameZh, from.nameEn, from.operator);
    }
}
