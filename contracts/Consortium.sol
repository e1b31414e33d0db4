// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {ALL_ROLES, IConsortium} from "./interfaces/IConsortium.sol";
import {
    ParameterRules, QUORUM_DENOMINATOR, QUORUM_NUMERATOR, VOTING_PERIOD
} from "./libraries/ParameterRules.sol";

/// @title GridLedger consortium
/// @notice Member organisations, their roles and seats, named parameters and the service directory. Every
/// change is `restricted`: the GridAuthority lets only governance (the timelock) make it unless a vote
/// opened it to a role.
/// @dev Seats are checkpointed by timestamp (per organisation and in total), so the ConsortiumGovernor
/// counts one vote per seat held at a proposal's snapshot.
contract Consortium is IConsortium, AccessManaged {
    using Checkpoints for Checkpoints.Trace208;

    struct Member {
        string name;
        uint16 roles;
        bool seat;
        bool active;
        uint64 admittedAt;
    }

    /// @dev The service-directory name of the Registry.
    bytes32 private constant REGISTRY_SERVICE = "registry";

    address private immutable _founder;
    address[] private _memberList;
    mapping(address org => uint256) private _memberPosition; // 1-based index into _memberList; 0 = absent
    mapping(address org => Member) private _members;
    mapping(bytes32 name => uint256) private _parameters;
    mapping(bytes32 name => address) private _services;
    mapping(address org => Checkpoints.Trace208) private _seatHistory;
    Checkpoints.Trace208 private _seatCountHistory;

    /// @notice Deploys the consortium with the caller as founder: an active member holding a seat.
    /// @param authority The GridAuthority every restricted function asks.
    /// @param founderName The founder's organisation name.
    /// @param founderRoles The founder's role mask.
    constructor(address authority, string memory founderName, uint16 founderRoles) AccessManaged(authority) {
        _founder = msg.sender;
        _setParameter(QUORUM_NUMERATOR, 2);
        _setParameter(QUORUM_DENOMINATOR, 3);
        _setParameter(VOTING_PERIOD, 7 days);
        _checkAdmit(msg.sender, founderName, founderRoles);
        _admit(msg.sender, founderName, founderRoles, true);
    }

    /// @inheritdoc IConsortium
    function admitMember(address org, string calldata name, uint16 roles, bool seat) external restricted {
        _checkAdmit(org, name, roles);
        _admit(org, name, roles, seat);
    }

    /// @inheritdoc IConsortium
    function removeMember(address org) external restricted {
        Member storage m = _members[org];
        if (!m.active) revert ConsortiumNotMember(org);
        if (m.seat) {
            uint256 seats = _seatCountHistory.latest();
            if (seats == 1) revert ConsortiumLastSeat(org);
            _recordSeat(org, false, seats - 1);
        }
        m.active = false;
        m.seat = false;
        m.roles = 0;
        _removeFromList(org);
        emit MemberRemoved(org);
    }

    /// @inheritdoc IConsortium
    function grantRole(address org, uint16 role) external restricted {
        _checkRoleChange(org, role, true);
        _members[org].roles |= role;
        emit RoleGranted(org, role);
    }

    /// @inheritdoc IConsortium
    function revokeRole(address org, uint16 role) external restricted {
        _checkRoleChange(org, role, false);
        _members[org].roles &= ~role;
        emit RoleRevoked(org, role);
    }

    /// @inheritdoc IConsortium
    function setParameter(bytes32 name, uint256 value) external restricted {
        ParameterRules.check(name, value, _parameters[QUORUM_NUMERATOR], _parameters[QUORUM_DENOMINATOR]);
        _setParameter(name, value);
    }

    /// @inheritdoc IConsortium
    function bindService(bytes32 name, address service_) external restricted {
        if (name == 0) revert ConsortiumInvalidServiceName(name);
        if (service_ != address(0) && service_.code.length == 0) revert ConsortiumServiceNotContract(name, service_);
        _services[name] = service_;
        emit ServiceBound(name, service_);
    }

    /// @inheritdoc IConsortium
    function parameter(bytes32 name) external view returns (uint256) {
        return _parameters[name];
    }

    /// @inheritdoc IConsortium
    function organisation(address org) external view returns (Organisation memory) {
        Member storage m = _members[org];
        return Organisation({name: m.name, roles: m.roles, seat: m.seat, active: m.active, admittedAt: m.admittedAt});
    }

    /// @inheritdoc IConsortium
    function isMember(address org) external view returns (bool) {
        return _members[org].active;
    }

    /// @inheritdoc IConsortium
    function hasRole(address org, uint16 role) external view returns (bool) {
        Member storage m = _members[org];
        return m.active && role != 0 && m.roles & role == role;
    }

    /// @inheritdoc IConsortium
    function hasSeat(address org) external view returns (bool) {
        Member storage m = _members[org];
        return m.active && m.seat;
    }

    /// @inheritdoc IConsortium
    function hadSeatAt(address org, uint48 timepoint) external view returns (bool) {
        return _seatHistory[org].upperLookupRecent(timepoint) != 0;
    }

    /// @inheritdoc IConsortium
    function seatCount() external view returns (uint256) {
        return _seatCountHistory.latest();
    }

    /// @inheritdoc IConsortium
    function seatCountAt(uint48 timepoint) external view returns (uint256) {
        return _seatCountHistory.upperLookupRecent(timepoint);
    }

    /// @inheritdoc IConsortium
    function members() external view returns (address[] memory) {
        return _memberList;
    }

    /// @inheritdoc IConsortium
    function quorum() external view returns (uint256 numerator, uint256 denominator) {
        return (_parameters[QUORUM_NUMERATOR], _parameters[QUORUM_DENOMINATOR]);
    }

    /// @inheritdoc IConsortium
    function votingPeriod() external view returns (uint256) {
        return _parameters[VOTING_PERIOD];
    }

    /// @inheritdoc IConsortium
    function registry() external view returns (address) {
        return _services[REGISTRY_SERVICE];
    }

    /// @inheritdoc IConsortium
    function service(bytes32 name) external view returns (address) {
        return _services[name];
    }

    /// @inheritdoc IConsortium
    function founder() external view returns (address) {
        return _founder;
    }

    function _admit(address org, string memory name, uint16 roles, bool seat) private {
        Member storage m = _members[org];
        m.name = name;
        m.roles = roles;
        m.seat = seat;
        m.active = true;
        m.admittedAt = uint64(block.timestamp);
        _memberList.push(org);
        _memberPosition[org] = _memberList.length;
        if (seat) _recordSeat(org, true, _seatCountHistory.latest() + 1);
        emit MemberAdmitted(org, name, roles, seat);
    }

    function _recordSeat(address org, bool held, uint256 seats) private {
        uint48 now_ = uint48(block.timestamp);
        _seatHistory[org].push(now_, held ? 1 : 0);
        _seatCountHistory.push(now_, uint208(seats));
    }

    function _removeFromList(address org) private {
        uint256 position = _memberPosition[org];
        address last = _memberList[_memberList.length - 1];
        _memberList[position - 1] = last;
        _memberPosition[last] = position;
        _memberList.pop();
        delete _memberPosition[org];
    }

    function _setParameter(bytes32 name, uint256 value) private {
        _parameters[name] = value;
        emit ParameterSet(name, value);
    }

    function _checkAdmit(address org, string memory name, uint16 roles) private view {
        if (org == address(0)) revert ConsortiumZeroAddress();
        if (_members[org].active) revert ConsortiumAlreadyMember(org);
        if (bytes(name).length == 0) revert ConsortiumEmptyName(org);
        if (roles & ~ALL_ROLES != 0) revert ConsortiumInvalidRole(roles);
    }

    function _checkRoleChange(address org, uint16 role, bool grant) private view {
        if (role == 0 || role & (role - 1) != 0 || role & ~ALL_ROLES != 0) revert ConsortiumInvalidRole(role);
        Member storage m = _members[org];
        if (!m.active) revert ConsortiumNotMember(org);
        bool held = m.roles & role != 0;
        if (grant && held) revert ConsortiumRoleAlreadyGranted(org, role);
        if (!grant && !held) revert ConsortiumRoleNotGranted(org, role);
    }
}
