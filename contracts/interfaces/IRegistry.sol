// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @dev Signature schemes (`scheme`): the registered public key's format.
uint8 constant SCHEME_ED25519 = 1; // 32-byte key (RFC 8032)
uint8 constant SCHEME_SECP256K1 = 2; // 33-byte compressed key starting 0x02 or 0x03 (SEC 1 §2.3.3)

/// @dev Device kinds (`kind`).
uint8 constant KIND_CONSUMPTION = 1;
uint8 constant KIND_GENERATION = 2;
uint8 constant KIND_BIDIRECTIONAL = 3;
uint8 constant KIND_EV_CHARGER = 4;
uint8 constant KIND_STORAGE = 5;
uint8 constant KIND_FEEDER = 6;

/// @dev Energy sources (`source`): 0 none, 1 solar, 2 wind, 3 hydro, 4 coal, 5 gas, 6 nuclear, 7 biomass, 8 other.
uint8 constant SOURCE_NONE = 0;
uint8 constant SOURCE_MAX = 8;

/// @dev Device statuses (`status`). Retired is final. A device registered by anyone but its region's operator
/// is pending until that operator approves it.
uint8 constant STATUS_ACTIVE = 1;
uint8 constant STATUS_SUSPENDED = 2;
uint8 constant STATUS_RETIRED = 3;
uint8 constant STATUS_PENDING = 4;

/// @title GridLedger registry: regions approved by the consortium and the devices (meters, inverters,
/// chargers) whose signed readings the platform accepts.
interface IRegistry {
    /// @notice A region. `regionId` is keccak256 of the code's bytes.
    struct Region {
        string code;
        string nameZh;
        string nameEn;
        address operator;
        uint32 intervalSeconds;
        uint64 approvedAt;
    }

    /// @notice A device to register. `deviceId` will be sha256(publicKey).
    struct DeviceInput {
        uint8 scheme;
        bytes publicKey;
        address owner;
        bytes32 regionId;
        uint8 kind;
        uint8 source;
        uint64 capacityW;
        address community;
    }

    /// @notice A registered device.
    struct Device {
        uint8 scheme;
        bytes publicKey;
        uint8 kind;
        uint8 source;
        uint64 capacityW;
        uint8 status;
        address owner;
        bytes32 regionId;
        address community;
        uint64 registeredAt;
    }

    /// @notice The consortium approved a region.
    /// @param regionId keccak256 of the code.
    /// @param code Region code.
    /// @param nameZh Chinese name.
    /// @param nameEn English name.
    /// @param operator The region's operator.
    /// @param intervalSeconds Anchoring interval.
    event RegionApproved(
        bytes32 indexed regionId,
        string code,
        string nameZh,
        string nameEn,
        address indexed operator,
        uint32 intervalSeconds
    );

    /// @notice The consortium changed a region's names or operator (never its interval).
    /// @param regionId keccak256 of the code.
    /// @param code Region code.
    /// @param nameZh Chinese name.
    /// @param nameEn English name.
    /// @param operator The region's operator.
    event RegionUpdated(bytes32 indexed regionId, string code, string nameZh, string nameEn, address indexed operator);

    /// @notice A device was registered.
    /// @param deviceId sha256 of the public key.
    /// @param owner The owning member.
    /// @param regionId Its region.
    /// @param scheme Signature scheme.
    /// @param kind Device kind.
    /// @param source Energy source.
    /// @param capacityW Rated capacity in watts.
    /// @param community Its community (zero for none).
    /// @param publicKey The raw public key.
    /// @param status STATUS_ACTIVE when the region's operator registered it, else STATUS_PENDING.
    event DeviceRegistered(
        bytes32 indexed deviceId,
        address indexed owner,
        bytes32 indexed regionId,
        uint8 scheme,
        uint8 kind,
        uint8 source,
        uint64 capacityW,
        address community,
        bytes publicKey,
        uint8 status
    );

    /// @notice A device's status changed.
    /// @param deviceId The device.
    /// @param status The new status.
    /// @param by Who changed it.
    event DeviceStatusChanged(bytes32 indexed deviceId, uint8 status, address by);

    /// @notice A region operator must be an active member with the REGION_OPERATOR role.
    /// @param operator The refused operator.
    error RegistryInvalidRegionOperator(address operator);

    /// @notice The update would change nothing.
    /// @param regionId The region.
    error RegistryRegionUnchanged(bytes32 regionId);

    /// @notice The consortium address is not usable.
    /// @param consortium The refused address.
    error RegistryInvalidConsortium(address consortium);

    /// @notice A region code has 2 to 16 characters of A-Z, 0-9 and '-'.
    /// @param code The refused code.
    error RegistryInvalidRegionCode(string code);

    /// @notice A region interval is 60 to 86400 seconds and divides a day.
    /// @param intervalSeconds The refused interval.
    error RegistryInvalidRegionInterval(uint32 intervalSeconds);

    /// @notice No region has this id.
    /// @param regionId The id.
    error RegistryUnknownRegion(bytes32 regionId);

    /// @notice The public key does not fit its scheme.
    /// @param scheme The scheme.
    /// @param length The key's length in bytes.
    error RegistryInvalidPublicKey(uint8 scheme, uint256 length);

    /// @notice Unknown signature scheme.
    /// @param scheme The refused scheme.
    error RegistryInvalidScheme(uint8 scheme);

    /// @notice Unknown device kind.
    /// @param kind The refused kind.
    error RegistryInvalidDeviceKind(uint8 kind);

    /// @notice The energy source does not fit the kind (generation needs one; consumption, EV chargers
    /// and feeders have none) or is unknown.
    /// @param kind The device kind.
    /// @param source The refused source.
    error RegistryInvalidEnergySource(uint8 kind, uint8 source);

    /// @notice Unknown device status.
    /// @param status The refused status.
    error RegistryInvalidDeviceStatus(uint8 status);

    /// @notice The caller is neither the owner nor the region's operator.
    /// @param caller The refused caller.
    /// @param owner The device's owner.
    /// @param regionId The device's region.
    error RegistryNotAuthorised(address caller, address owner, bytes32 regionId);

    /// @notice A device owner must be an active consortium member, or a prosumer of the device's community
    /// (bound by that community in the Accounts contract).
    /// @param owner The refused owner.
    error RegistryNotMember(address owner);

    /// @notice A device's community must be an active member with the COMMUNITY role.
    /// @param community The refused community.
    error RegistryNotCommunity(address community);

    /// @notice A device with this id is already registered (or appears twice in the batch).
    /// @param deviceId The id.
    error RegistryDeviceExists(bytes32 deviceId);

    /// @notice No device has this id.
    /// @param deviceId The id.
    error RegistryUnknownDevice(bytes32 deviceId);

    /// @notice The device is retired; retirement is final.
    /// @param deviceId The id.
    error RegistryDeviceRetired(bytes32 deviceId);

    /// @notice A batch needs at least one device.
    error RegistryEmptyBatch();

    /// @notice A region with this code is approved already; change it with an update instead.
    /// @param regionId keccak256 of the code.
    /// @param code The code.
    error RegistryRegionExists(bytes32 regionId, string code);

    /// @notice The device's region operator suspended it; only that region's operator may lift or take over
    /// the suspension.
    /// @param deviceId The device.
    /// @param suspendedBy Who suspended it.
    /// @param caller The refused caller.
    error RegistrySuspendedByOperator(bytes32 deviceId, address suspendedBy, address caller);

    /// @notice Only the operator of the device's region (holding the REGION_OPERATOR role) may do this.
    /// @param caller The refused caller.
    /// @param regionId The device's region.
    error RegistryNotRegionOperator(address caller, bytes32 regionId);

    /// @notice The device is not pending approval.
    /// @param deviceId The device.
    /// @param status Its status.
    error RegistryDeviceNotPending(bytes32 deviceId, uint8 status);

    /// @notice The device awaits its region operator's approval; it can only be approved or retired.
    /// @param deviceId The device.
    error RegistryDevicePending(bytes32 deviceId);

    /// @notice Approves a new region. Governance only (the GridAuthority's ADMIN_ROLE).
    /// @param code Region code.
    /// @param nameZh Chinese name.
    /// @param nameEn English name.
    /// @param operator The region's operator.
    /// @param intervalSeconds Anchoring interval, 60..86400 and divides 86400.
    function approveRegion(
        string calldata code,
        string calldata nameZh,
        string calldata nameEn,
        address operator,
        uint32 intervalSeconds
    ) external;

    /// @notice Changes the names and operator of an approved region; its interval never changes, so the
    /// intervals of its anchors stay valid. Governance only (the GridAuthority's ADMIN_ROLE).
    /// @param code Region code.
    /// @param nameZh Chinese name.
    /// @param nameEn English name.
    /// @param operator The region's operator.
    function updateRegion(string calldata code, string calldata nameZh, string calldata nameEn, address operator)
        external;

    /// @notice Registers devices, all or none. The caller is each device's owner (an active member) or the
    /// operator of its region registering for an active member. Devices registered by the region's operator
    /// are active at once; the others are pending until the operator approves them (`approveDevices`).
    /// @param devices The devices.
    function registerDevices(DeviceInput[] calldata devices) external;

    /// @notice Activates pending devices, all or none. Only the operator of each device's region.
    /// @param deviceIds The devices.
    function approveDevices(bytes32[] calldata deviceIds) external;

    /// @notice Suspends, reactivates or retires a device. Its owner or its region's operator; a suspension by
    /// the region's operator is lifted (or taken over) only by that region's operator. A pending device can
    /// only be retired.
    /// @param deviceId The device.
    /// @param status The new status (STATUS_ACTIVE, STATUS_SUSPENDED or STATUS_RETIRED). Retired is final.
    function setDeviceStatus(bytes32 deviceId, uint8 status) external;

    /// @notice The consortium this registry answers to.
    /// @return The consortium contract.
    function consortium() external view returns (address);

    /// @notice An approved region.
    /// @param regionId keccak256 of the code.
    /// @return The region.
    function region(bytes32 regionId) external view returns (Region memory);

    /// @notice Whether a region with this id is approved.
    /// @param regionId keccak256 of the code.
    /// @return True when approved.
    function hasRegion(bytes32 regionId) external view returns (bool);

    /// @notice Who set a suspended device's current suspension (zero when it is not suspended).
    /// @param deviceId The device.
    /// @return The suspender.
    function suspendedBy(bytes32 deviceId) external view returns (address);

    /// @notice The number of approved regions.
    /// @return The count.
    function regionCount() external view returns (uint256);

    /// @notice The ids of approved regions, in approval order.
    /// @return The ids.
    function regionIds() external view returns (bytes32[] memory);

    /// @notice A registered device.
    /// @param deviceId sha256 of its public key.
    /// @return The device.
    function device(bytes32 deviceId) external view returns (Device memory);

    /// @notice The number of registered devices.
    /// @return The count.
    function deviceCount() external view returns (uint256);

    /// @notice A page of device ids, in registration order.
    /// @param offset Index of the first id.
    /// @param limit Most ids to return.
    /// @return ids The ids.
    function deviceIds(uint256 offset, uint256 limit) external view returns (bytes32[] memory ids);

    /// @notice Whether a device with this id is registered.
    /// @param deviceId The id.
    /// @return True when registered.
    function isRegistered(bytes32 deviceId) external view returns (bool);
}
