// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IConsortium, ROLE_REGION_OPERATOR} from "./interfaces/IConsortium.sol";
import {COMMODITY_ELECTRICITY, COMMODITY_WATER, IMeterAnchor} from "./interfaces/IMeterAnchor.sol";
import {IRegistry} from "./interfaces/IRegistry.sol";

/// @title GridLedger meter anchor
/// @notice Write-once Merkle roots of the batches of meter readings that regions' operators anchor.
/// @dev A batch takes two storage slots: the root, then the leaf count, totals and anchoring time.
/// It relies only on `IRegistry.region` and `IConsortium.hasRole`, so it can be deployed next to a
/// Registry and Consortium that predate it.
contract MeterAnchor is IMeterAnchor, AccessManaged {
    struct Record {
        bytes32 root; // 0 = not anchored (a zero root is refused)
        uint32 leafCount;
        uint64 importTotal;
        uint64 exportTotal;
        uint64 anchoredAt;
    }

    /// @dev What one `anchor` call has already checked, so a run of batches of one region costs one lookup.
    struct CallCache {
        bytes32 regionId; // the last region the caller was found to operate; 0 = none yet
        bool callerIsOperator; // the caller holds the REGION_OPERATOR role (asked at most once a call)
    }

    IRegistry private immutable _registry;
    IConsortium private immutable _consortium;
    mapping(bytes32 key => Record) private _anchors;

    /// @notice Deploys a meter anchor that follows `registry_`'s regions and its consortium's roles.
    /// @param authority The GridAuthority every restricted function asks.
    /// @param registry_ The Registry contract.
    constructor(address authority, address registry_) AccessManaged(authority) {
        if (registry_.code.length == 0) revert MeterAnchorInvalidRegistry(registry_);
        _registry = IRegistry(registry_);
        _consortium = IConsortium(IRegistry(registry_).consortium());
    }

    /// @inheritdoc IMeterAnchor
    function anchor(AnchorInput[] calldata batches) external restricted {
        uint256 n = batches.length;
        if (n == 0) revert MeterAnchorNoBatches();
        CallCache memory cache;
        for (uint256 i; i < n; ++i) {
            _anchor(batches[i], cache);
        }
    }

    /// @inheritdoc IMeterAnchor
    function anchorOf(bytes32 regionId, uint8 commodity, uint64 intervalStart, uint16 part)
        external
        view
        returns (bytes32 root, uint32 leafCount, uint64 importTotal, uint64 exportTotal, uint64 anchoredAt)
    {
        Record storage r = _anchors[_key(regionId, commodity, intervalStart, part)];
        return (r.root, r.leafCount, r.importTotal, r.exportTotal, r.anchoredAt);
    }

    /// @inheritdoc IMeterAnchor
    function registry() external view returns (address) {
        return address(_registry);
    }

    function _anchor(AnchorInput calldata input, CallCache memory cache) private {
        bytes32 regionId = input.regionId;
        if (regionId != cache.regionId || regionId == 0) _checkOperator(regionId, cache);
        uint8 commodity = input.commodity;
        if (commodity < COMMODITY_ELECTRICITY || commodity > COMMODITY_WATER) {
            revert MeterAnchorInvalidCommodity(commodity);
        }
        uint64 intervalStart = input.intervalStart;
        uint16 part = input.part;
        bytes32 root = input.root;
        uint32 leafCount = input.leafCount;
        if (root == 0 || leafCount == 0) revert MeterAnchorEmptyBatch(regionId, commodity, intervalStart, part);
        Record storage r = _anchors[_key(regionId, commodity, intervalStart, part)];
        bytes32 existing = r.root;
        if (existing != 0) revert MeterAnchorAlreadyAnchored(regionId, commodity, intervalStart, part, existing);
        uint64 importTotal = input.importTotal;
        uint64 exportTotal = input.exportTotal;
        r.root = root;
        r.leafCount = leafCount;
        r.importTotal = importTotal;
        r.exportTotal = exportTotal;
        r.anchoredAt = uint64(block.timestamp);
        emit Anchored(regionId, commodity, intervalStart, part, root, leafCount, importTotal, exportTotal);
    }

    /// @dev Reverts unless the caller is the region's operator and holds the REGION_OPERATOR role (as the
    /// Registry requires of an operator acting for its region), then remembers the region in `cache`.
    function _checkOperator(bytes32 regionId, CallCache memory cache) private view {
        address operator;
        try _registry.region(regionId) returns (IRegistry.Region memory region) {
            operator = region.operator;
        } catch (bytes memory reason) {
            // Only the registry's own "unknown region" refusal means that; anything else is passed on.
            if (bytes4(reason) == IRegistry.RegistryUnknownRegion.selector) revert MeterAnchorUnknownRegion(regionId);
            assembly ("memory-safe") {
                revert(add(reason, 32), mload(reason))
            }
        }
        if (msg.sender != operator) revert MeterAnchorNotRegionOperator(regionId, msg.sender);
        if (!cache.callerIsOperator) {
            if (!_consortium.hasRole(msg.sender, ROLE_REGION_OPERATOR)) {
                revert MeterAnchorNotRegionOperator(regionId, msg.sender);
            }
            cache.callerIsOperator = true;
        }
        cache.regionId = regionId;
    }

    function _key(bytes32 regionId, uint8 commodity, uint64 intervalStart, uint16 part)
        private
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(regionId, commodity, intervalStart, part));
    }
}
