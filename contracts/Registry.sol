// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IConsortium, ROLE_COMMUNITY, ROLE_REGION_OPERATOR} from "./interfaces/IConsortium.sol";
import {
    IRegistry,
    KIND_BIDIRECTIONAL,
    KIND_FEEDER,
    KIND_GENERATION,
    KIND_STORAGE,
    SCHEME_ED25519,
    SCHEME_SECP256K1,
    SOURCE_MAX,
    SOURCE_NONE,
    STATUS_ACTIVE,
    STATUS_PENDING,
    STATUS_RETIRED,
    STATUS_SUSPENDED
} from "./interfaces/IRegistry.sol";
import {RegionRules} from "./libraries/RegionRules.sol";
import {ACCOUNT_PROSUMER, IAccounts} from "./interfaces/IAccounts.sol";

/// @title GridLedger registry
/// @notice Regions (approved by governance) and devices with their public keys, so that anyone can check
/// that a reading was signed by a registered device.
/// @dev A device takes three storage slots plus its slot in the id list: the key without its prefix byte; the
/// owner with the small fields and registration time; the community with the capacity and a region index.
contract Registry is IRegistry, AccessManaged {
    struct RegionRecord {
        string code;
        string nameZh;
        string nameEn;
        address operator;
        uint32 intervalSeconds;
        uint64 approvedAt;
        uint32 index; // 1-based position in _regionIds; 0 = not approved
    }

    struct DeviceRecord {
        bytes32 key; // an ed25519 key, or a compressed secp256k1 key without its prefix byte
        address owner;
        uint8 scheme;
        uint8 keyPrefix; // 0x02/0x03 for secp256k1, 0 for ed25519
        uint8 kind;
        uint8 source;
        uint8 status; // 0 = not registered
        uint40 registeredAt;
        address community;
        uint64 capacityW;
        uint32 regionIndex;
    }

    /// @dev Checks already made within one batch, so repeated owners and communities are not asked again.
    struct BatchCache {
        address owner;
        address community;
        uint8 callerOperates; // 0 = not asked yet, 1 = yes, 2 = no
    }

    /// @dev The service-directory name of the Accounts contract (src/node/deployContracts.ts).
    bytes32 private constant ACCOUNTS_SERVICE = "accounts";

    IConsortium private immutable _consortium;
    mapping(bytes32 regionId => RegionRecord) private _regions;
    bytes32[] private _regionIds;
    mapping(bytes32 deviceId => DeviceRecord) private _devices;
    bytes32[] private _deviceIds;
    mapping(bytes32 deviceId => address) private _suspendedBy;

    /// @notice Deploys a registry of `consortium_`'s members, restricted by `authority`.
    /// @param authority The GridAuthority every restricted function asks.
    /// @param consortium_ The Consortium contract.
    constructor(address authority, address consortium_) AccessManaged(authority) {
        if (consortium_ == address(0)) revert RegistryInvalidConsortium(consortium_);
        _consortium = IConsortium(consortium_);
    }

    /// @inheritdoc IRegistry
    function approveRegion(
        string calldata code,
        string calldata nameZh,
        string calldata nameEn,
        address operator,
        uint32 intervalSeconds
    ) external restricted {
        if (!RegionRules.isValidCode(code)) revert RegistryInvalidRegionCode(code);
        if (!RegionRules.isValidInterval(intervalSeconds)) revert RegistryInvalidRegionInterval(intervalSeconds);
        bytes32 regionId = keccak256(bytes(code));
        RegionRecord storage r = _regions[regionId];
        if (r.index != 0) revert RegistryRegionExists(regionId, code);
        _checkOperator(operator);
        _regionIds.push(regionId);
        r.index = uint32(_regionIds.length);
        r.code = code;
        r.nameZh = nameZh;
        r.nameEn = nameEn;
        r.operator = operator;
        r.intervalSeconds = intervalSeconds;
        r.approvedAt = uint64(block.timestamp);
        emit RegionApproved(regionId, code, nameZh, nameEn, operator, intervalSeconds);
    }

    /// @inheritdoc IRegistry
    function updateRegion(string calldata code, string calldata nameZh, string calldata nameEn, address operator)
        external
        restricted
    {
        bytes32 regionId = keccak256(bytes(code));
        RegionRecord storage r = _regions[regionId];
        if (r.index == 0) revert RegistryUnknownRegion(regionId);
        _checkOperator(operator);
        if (
            operator == r.operator && keccak256(bytes(nameZh)) == keccak256(bytes(r.nameZh))
                && keccak256(bytes(nameEn)) == keccak256(bytes(r.nameEn))
        ) revert RegistryRegionUnchanged(regionId);
        r.nameZh = nameZh;
        r.nameEn = nameEn;
        r.operator = operator;
        emit RegionUpdated(regionId, code, nameZh, nameEn, operator);
    }

    /// @inheritdoc IRegistry
    function registerDevices(DeviceInput[] calldata devices) external restricted {
        uint256 n = devices.length;
        if (n == 0) revert RegistryEmptyBatch();
        BatchCache memory cache;
        for (uint256 i; i < n; ++i) {
            _register(devices[i], cache);
        }
    }

    /// @inheritdoc IRegistry
    function approveDevices(bytes32[] calldata deviceIds_) external restricted {
        uint256 n = deviceIds_.length;
        if (n == 0) revert RegistryEmptyBatch();
        bool operates = _consortium.hasRole(msg.sender, ROLE_REGION_OPERATOR);
        for (uint256 i; i < n; ++i) {
            bytes32 deviceId = deviceIds_[i];
            DeviceRecord storage d = _devices[deviceId];
            uint8 current = d.status;
            if (current == 0) revert RegistryUnknownDevice(deviceId);
            bytes32 regionId = _regionIds[d.regionIndex - 1];
            if (!operates || msg.sender != _regions[regionId].operator) {
                revert RegistryNotRegionOperator(msg.sender, regionId);
            }
            if (current != STATUS_PENDING) revert RegistryDeviceNotPending(deviceId, current);
            d.status = STATUS_ACTIVE;
            emit DeviceStatusChanged(deviceId, STATUS_ACTIVE, msg.sender);
        }
    }

    /// @inheritdoc IRegistry
    function setDeviceStatus(bytes32 deviceId, uint8 status) external restricted {
        DeviceRecord storage d = _devices[deviceId];
        uint8 current = d.status;
        if (current == 0) revert RegistryUnknownDevice(deviceId);
        address owner = d.owner;
        bytes32 regionId = _regionIds[d.regionIndex - 1];
        bool operates = msg.sender == _regions[regionId].operator
            && _consortium.hasRole(msg.sender, ROLE_REGION_OPERATOR);
        if (msg.sender != owner && !operates) revert RegistryNotAuthorised(msg.sender, owner, regionId);
        if (status < STATUS_ACTIVE || status > STATUS_RETIRED) revert RegistryInvalidDeviceStatus(status);
        if (current == STATUS_RETIRED) revert RegistryDeviceRetired(deviceId);
        if (current == STATUS_PENDING && status != STATUS_RETIRED) revert RegistryDevicePending(deviceId);
        if (current == STATUS_SUSPENDED && status != STATUS_RETIRED) {
            address suspender = _suspendedBy[deviceId];
            // The owner may lift (or renew) only a suspension it set itself; an operator's stays the operator's.
            if (suspender != owner && !operates) revert RegistrySuspendedByOperator(deviceId, suspender, msg.sender);
            if (status == STATUS_SUSPENDED && (suspender != owner || msg.sender == owner)) return;
        } else if (current == status) {
            return;
        }
        d.status = status;
        _suspendedBy[deviceId] = status == STATUS_SUSPENDED ? msg.sender : address(0);
        emit DeviceStatusChanged(deviceId, status, msg.sender);
    }

    /// @inheritdoc IRegistry
    function consortium() external view returns (address) {
        return address(_consortium);
    }

    /// @inheritdoc IRegistry
    function region(bytes32 regionId) external view returns (Region memory) {
        RegionRecord storage r = _regions[regionId];
        if (r.index == 0) revert RegistryUnknownRegion(regionId);
        return Region({
            code: r.code,
            nameZh: r.nameZh,
            nameEn: r.nameEn,
            operator: r.operator,
            intervalSeconds: r.intervalSeconds,
            approvedAt: r.approvedAt
        });
    }

    /// @inheritdoc IRegistry
    function hasRegion(bytes32 regionId) external view returns (bool) {
        return _regions[regionId].index != 0;
    }

    /// @inheritdoc IRegistry
    function suspendedBy(bytes32 deviceId) external view returns (address) {
        return _suspendedBy[deviceId];
    }

    /// @inheritdoc IRegistry
    function regionCount() external view returns (uint256) {
        return _regionIds.length;
    }

    /// @inheritdoc IRegistry
    function regionIds() external view returns (bytes32[] memory) {
        return _regionIds;
    }

    /// @inheritdoc IRegistry
    function device(bytes32 deviceId) external view returns (Device memory) {
        DeviceRecord storage d = _devices[deviceId];
        if (d.status == 0) revert RegistryUnknownDevice(deviceId);
        uint8 scheme = d.scheme;
        return Device({
            scheme: scheme,
            publicKey: scheme == SCHEME_ED25519 ? abi.encodePacked(d.key) : abi.encodePacked(d.keyPrefix, d.key),
            kind: d.kind,
            source: d.source,
            capacityW: d.capacityW,
            status: d.status,
            owner: d.owner,
            regionId: _regionIds[d.regionIndex - 1],
            community: d.community,
            registeredAt: d.registeredAt
        });
    }

    /// @inheritdoc IRegistry
    function deviceCount() external view returns (uint256) {
        return _deviceIds.length;
    }

    /// @inheritdoc IRegistry
    function deviceIds(uint256 offset, uint256 limit) external view returns (bytes32[] memory ids) {
        uint256 total = _deviceIds.length;
        if (offset >= total) return ids;
        uint256 n = total - offset;
        if (limit < n) n = limit;
        ids = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            ids[i] = _deviceIds[offset + i];
        }
    }

    /// @inheritdoc IRegistry
    function isRegistered(bytes32 deviceId) external view returns (bool) {
        return _devices[deviceId].status != 0;
    }

    function _register(DeviceInput calldata input, BatchCache memory cache) private {
        RegionRecord storage r = _regions[input.regionId];
        uint32 regionIndex = r.index;
        if (regionIndex == 0) revert RegistryUnknownRegion(input.regionId);
        address owner = input.owner;
        bool byOperator = msg.sender == r.operator && _callerOperates(cache);
        if (msg.sender != owner && !byOperator) revert RegistryNotAuthorised(msg.sender, owner, input.regionId);
        if (owner == address(0) || owner != cache.owner) {
            // A member's ownership is remembered for the batch; a prosumer's depends on the device's community.
            if (_consortium.isMember(owner)) cache.owner = owner;
            else if (!_isProsumerOf(owner, input.community)) revert RegistryNotMember(owner);
        }
        (bytes32 key, uint8 keyPrefix) = _splitKey(input.scheme, input.publicKey);
        _checkKind(input.kind, input.source);
        address community = input.community;
        if (community != address(0) && community != cache.community) {
            if (!_consortium.hasRole(community, ROLE_COMMUNITY)) revert RegistryNotCommunity(community);
            cache.community = community;
        }
        bytes32 deviceId = sha256(input.publicKey);
        DeviceRecord storage d = _devices[deviceId];
        if (d.status != 0) revert RegistryDeviceExists(deviceId);
        d.key = key;
        d.owner = owner;
        d.scheme = input.scheme;
        d.keyPrefix = keyPrefix;
        d.kind = input.kind;
        d.source = input.source;
        uint8 status = byOperator ? STATUS_ACTIVE : STATUS_PENDING;
        d.status = status;
        d.registeredAt = uint40(block.timestamp);
        d.community = community;
        d.capacityW = input.capacityW;
        d.regionIndex = regionIndex;
        _deviceIds.push(deviceId);
        _emitRegistered(deviceId, input, status);
    }

    function _emitRegistered(bytes32 deviceId, DeviceInput calldata input, uint8 status) private {
        emit DeviceRegistered(
            deviceId,
            input.owner,
            input.regionId,
            input.scheme,
            input.kind,
            input.source,
            input.capacityW,
            input.community,
            input.publicKey,
            status
        );
    }

    /// @dev True when `community` granted `owner` the prosumer role in the Accounts contract (the consortium's
    /// "accounts" service): a household owns its devices in the community that admitted it.
    function _isProsumerOf(address owner, address community) private view returns (bool) {
        if (owner == address(0) || community == address(0)) return false;
        address accounts = _consortium.service(ACCOUNTS_SERVICE);
        if (accounts == address(0)) return false;
        bytes32 scope = bytes32(uint256(uint160(community)));
        return IAccounts(accounts).grantorOf(owner, ACCOUNT_PROSUMER, scope) == community;
    }

    /// @dev A region's operator must be an active member with the REGION_OPERATOR role.
    function _checkOperator(address operator) private view {
        if (!_consortium.hasRole(operator, ROLE_REGION_OPERATOR)) revert RegistryInvalidRegionOperator(operator);
    }

    /// @dev The caller is the operator of a region; it may act as one only while an active REGION_OPERATOR.
    function _callerOperates(BatchCache memory cache) private view returns (bool) {
        if (cache.callerOperates == 0) {
            cache.callerOperates = _consortium.hasRole(msg.sender, ROLE_REGION_OPERATOR) ? 1 : 2;
        }
        return cache.callerOperates == 1;
    }

    function _splitKey(uint8 scheme, bytes calldata publicKey) private pure returns (bytes32 key, uint8 prefix) {
        uint256 length = publicKey.length;
        if (scheme == SCHEME_ED25519) {
            if (length != 32) revert RegistryInvalidPublicKey(scheme, length);
            return (bytes32(publicKey), 0);
        }
        if (scheme == SCHEME_SECP256K1) {
            if (length != 33 || (publicKey[0] != 0x02 && publicKey[0] != 0x03)) {
                revert RegistryInvalidPublicKey(scheme, length);
            }
            return (bytes32(publicKey[1:]), uint8(publicKey[0]));
        }
        revert RegistryInvalidScheme(scheme);
    }

    function _checkKind(uint8 kind, uint8 source) private pure {
        if (kind == 0 || kind > KIND_FEEDER) revert RegistryInvalidDeviceKind(kind);
        bool mayHaveSource = kind == KIND_GENERATION || kind == KIND_BIDIRECTIONAL || kind == KIND_STORAGE;
        if (
            source > SOURCE_MAX || (kind == KIND_GENERATION && source == SOURCE_NONE)
                || (!mayHaveSource && source != SOURCE_NONE)
        ) revert RegistryInvalidEnergySource(kind, source);
    }
}
