// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @dev Role bits of the `uint16` role mask. Any other bit is invalid.
uint16 constant ROLE_REGULATOR = 1;
uint16 constant ROLE_GRID_OPERATOR = 2;
uint16 constant ROLE_REGION_OPERATOR = 4;
uint16 constant ROLE_COMMUNITY = 8;
uint16 constant ROLE_PROSUMER = 16;
uint16 constant ROLE_ENTERPRISE = 32;
uint16 constant ROLE_ISSUER = 64;
uint16 constant ROLE_AUDITOR = 128;
uint16 constant ALL_ROLES = 255;

/// @title GridLedger consortium: member organisations, their roles and seats, named parameters and the
/// service directory.
/// @notice State only: every change is made by governance (the ConsortiumGovernor through its timelock, as
/// the GridAuthority allows). A seat is a vote in the governor; seats are checkpointed by timestamp so a
/// proposal counts the seats held when it was made.
interface IConsortium {
    /// @notice A member organisation. `roles` is a mask of the ROLE_* bits; `seat` gives a vote.
    struct Organisation {
        string name;
        uint16 roles;
        bool seat;
        bool active;
        uint64 admittedAt;
    }

    /// @notice Governance bound a contract to a name in the service directory (or unbound it: zero address).
    /// @param name The service name (a left-aligned ASCII `bytes32`, e.g. "MeterAnchor").
    /// @param service The contract, or the zero address when unbound.
    event ServiceBound(bytes32 indexed name, address indexed service);

    /// @notice An organisation became a member.
    /// @param org The organisation's address.
    /// @param name Its name.
    /// @param roles Its role mask.
    /// @param seat Whether it holds a seat (a vote).
    event MemberAdmitted(address indexed org, string name, uint16 roles, bool seat);

    /// @notice An organisation stopped being a member; it lost its roles and its seat.
    /// @param org The organisation's address.
    event MemberRemoved(address indexed org);

    /// @notice A member was granted a role.
    /// @param org The member.
    /// @param role The role bit.
    event RoleGranted(address indexed org, uint16 role);

    /// @notice A member lost a role.
    /// @param org The member.
    /// @param role The role bit.
    event RoleRevoked(address indexed org, uint16 role);

    /// @notice A named parameter was set.
    /// @param name The parameter name (a left-aligned ASCII `bytes32`).
    /// @param value Its new value.
    event ParameterSet(bytes32 indexed name, uint256 value);

    /// @notice A service name must not be empty.
    /// @param name The refused name.
    error ConsortiumInvalidServiceName(bytes32 name);

    /// @notice A service must be a contract.
    /// @param name The service name.
    /// @param service The refused address, which has no code.
    error ConsortiumServiceNotContract(bytes32 name, address service);

    /// @notice The zero address is not an organisation.
    error ConsortiumZeroAddress();

    /// @notice An organisation needs a name.
    /// @param org The organisation.
    error ConsortiumEmptyName(address org);

    /// @notice The organisation is already an active member.
    /// @param org The organisation.
    error ConsortiumAlreadyMember(address org);

    /// @notice The organisation is not an active member.
    /// @param org The organisation.
    error ConsortiumNotMember(address org);

    /// @notice The role (or role mask) is not valid here: unknown bits, or not exactly one role where one is needed.
    /// @param role The refused role or mask.
    error ConsortiumInvalidRole(uint16 role);

    /// @notice The member already holds this role.
    /// @param org The member.
    /// @param role The role bit.
    error ConsortiumRoleAlreadyGranted(address org, uint16 role);

    /// @notice The member does not hold this role.
    /// @param org The member.
    /// @param role The role bit.
    error ConsortiumRoleNotGranted(address org, uint16 role);

    /// @notice The quorum would not satisfy 0 < numerator < denominator <= 2^128 - 1 and numerator * 2 >= denominator.
    /// @param numerator The resulting numerator.
    /// @param denominator The resulting denominator.
    error ConsortiumInvalidQuorum(uint256 numerator, uint256 denominator);

    /// @notice The voting period must be from 1 hour to 365 days.
    /// @param period The refused period in seconds.
    error ConsortiumInvalidVotingPeriod(uint256 period);

    /// @notice The parameter name is reserved: empty, or in the `quorum.`/`voting.` namespace but not a known name.
    /// @param name The refused name.
    error ConsortiumReservedParameter(bytes32 name);

    /// @notice The member holds the last seat and cannot be removed.
    /// @param org The member.
    error ConsortiumLastSeat(address org);

    /// @notice Admits an organisation. Governance only.
    /// @param org The organisation's address (not an active member).
    /// @param name Its name (non-empty).
    /// @param roles Its role mask (ROLE_* bits only).
    /// @param seat Whether it gets a seat (a vote).
    function admitMember(address org, string calldata name, uint16 roles, bool seat) external;

    /// @notice Removes a member (not the last seat holder); it loses its roles and seat. Governance only.
    /// @param org The member.
    function removeMember(address org) external;

    /// @notice Grants one role to a member. Governance only.
    /// @param org The member.
    /// @param role Exactly one ROLE_* bit, not yet held.
    function grantRole(address org, uint16 role) external;

    /// @notice Revokes one role from a member. Governance only.
    /// @param org The member.
    /// @param role Exactly one ROLE_* bit it holds.
    function revokeRole(address org, uint16 role) external;

    /// @notice Sets a named parameter. `quorum.numerator`, `quorum.denominator` and `voting.period` are
    /// validated; other names in the `quorum.`/`voting.` namespaces are reserved. Governance only.
    /// @param name Parameter name.
    /// @param value New value.
    function setParameter(bytes32 name, uint256 value) external;

    /// @notice Binds, rebinds or (with the zero address) unbinds a name in the service directory, so that
    /// nodes attaching to the consortium can find the contract. Governance only.
    /// @param name The service name: a non-zero, left-aligned ASCII `bytes32` (e.g. "MeterAnchor").
    /// @param service The contract, or the zero address to unbind.
    function bindService(bytes32 name, address service) external;

    /// @notice The value of a named parameter (0 when never set).
    /// @param name Parameter name.
    /// @return The value.
    function parameter(bytes32 name) external view returns (uint256);

    /// @notice The record of an organisation (zero values when never admitted).
    /// @param org The organisation.
    /// @return The record.
    function organisation(address org) external view returns (Organisation memory);

    /// @notice Whether the organisation is an active member.
    /// @param org The organisation.
    /// @return True when active.
    function isMember(address org) external view returns (bool);

    /// @notice Whether the organisation is an active member holding all bits of `role`.
    /// @param org The organisation.
    /// @param role A role bit (or mask).
    /// @return True when held.
    function hasRole(address org, uint16 role) external view returns (bool);

    /// @notice Whether the organisation is an active member with a seat.
    /// @param org The organisation.
    /// @return True when it holds a seat.
    function hasSeat(address org) external view returns (bool);

    /// @notice Whether the organisation held a seat at `timepoint` (a timestamp, up to now).
    /// @param org The organisation.
    /// @param timepoint The timestamp.
    /// @return True when it held a seat then.
    function hadSeatAt(address org, uint48 timepoint) external view returns (bool);

    /// @notice The number of active seats.
    /// @return The seat count.
    function seatCount() external view returns (uint256);

    /// @notice The number of seats at `timepoint` (a timestamp, up to now).
    /// @param timepoint The timestamp.
    /// @return The seat count then.
    function seatCountAt(uint48 timepoint) external view returns (uint256);

    /// @notice The active members (in no particular order).
    /// @return Their addresses.
    function members() external view returns (address[] memory);

    /// @notice The passing threshold: for-votes * denominator > seats * numerator.
    /// @return numerator The numerator.
    /// @return denominator The denominator.
    function quorum() external view returns (uint256 numerator, uint256 denominator);

    /// @notice How long a proposal stays open, in seconds.
    /// @return The voting period.
    function votingPeriod() external view returns (uint256);

    /// @notice The Registry: the contract bound to "registry" in the service directory (zero until bound).
    /// @return The registry.
    function registry() external view returns (address);

    /// @notice The contract bound to a name in the service directory (zero until bound).
    /// @param name The service name.
    /// @return The contract.
    function service(bytes32 name) external view returns (address);

    /// @notice The organisation that deployed the consortium (its first seat holder; no other privilege).
    /// @return The founder.
    function founder() external view returns (address);
}
