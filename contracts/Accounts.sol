// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {
    IConsortium, ROLE_AUDITOR, ROLE_COMMUNITY, ROLE_GRID_OPERATOR, ROLE_ISSUER, ROLE_REGULATOR
} from "./interfaces/IConsortium.sol";
import {
    ACCOUNT_AUDITOR,
    ACCOUNT_COLLECTOR,
    ACCOUNT_COMMUNITY_OPERATOR,
    ACCOUNT_GRID_OPERATOR,
    ACCOUNT_ISSUER,
    ACCOUNT_PROSUMER,
    ACCOUNT_REGION_OPERATOR,
    ACCOUNT_REGULATOR,
    IAccounts
} from "./interfaces/IAccounts.sol";
import {IRegistry} from "./interfaces/IRegistry.sol";

/// @title GridLedger accounts
/// @notice Role bindings of accounts, each recorded with the member organisation that granted it, and the
/// write-once daily heads of the organisations' access logs.
/// @dev Relies only on `IRegistry.region` and `IConsortium.isMember`/`hasRole`, so it can be deployed next
/// to a Registry and Consortium that predate it.
contract Accounts is IAccounts, AccessManaged {
    struct Anchor {
        bytes32 head;
        uint64 count;
    }

    IRegistry private immutable _registry;
    IConsortium private immutable _consortium;
    mapping(bytes32 key => address grantor) private _grantors;
    mapping(address org => mapping(uint64 day => Anchor)) private _anchors;

    /// @notice Deploys the accounts contract for `registry_`'s regions and its consortium's members.
    /// @param authority The GridAuthority every restricted function asks.
    /// @param registry_ The Registry contract.
    constructor(address authority, address registry_) AccessManaged(authority) {
        if (registry_.code.length == 0) revert AccountsInvalidRegistry(registry_);
        _registry = IRegistry(registry_);
        _consortium = IConsortium(IRegistry(registry_).consortium());
    }

    /// @inheritdoc IAccounts
    function grant(address account, uint8 role, bytes32 scope) external restricted {
        if (account == address(0)) revert AccountsZeroAddress();
        _checkMember(msg.sender);
        _checkScope(msg.sender, role, scope);
        bytes32 key = _key(account, role, scope);
        address grantor = _grantors[key];
        if (grantor == msg.sender) return;
        if (grantor != address(0)) revert AccountsGrantedByOther(account, role, scope, grantor);
        _grantors[key] = msg.sender;
        emit RoleGranted(account, role, scope, msg.sender);
    }

    /// @inheritdoc IAccounts
    function revoke(address account, uint8 role, bytes32 scope) external restricted {
        bytes32 key = _key(account, role, scope);
        address grantor = _grantors[key];
        if (grantor == address(0)) revert AccountsNotGranted(account, role, scope);
        if (grantor != msg.sender) revert AccountsNotGrantor(msg.sender, grantor);
        delete _grantors[key];
        emit RoleRevoked(account, role, scope, msg.sender);
    }

    /// @inheritdoc IAccounts
    function anchorAccessLog(uint64 day, bytes32 head, uint64 count) external restricted {
        _checkMember(msg.sender);
        if (head == bytes32(0)) revert AccountsZeroHead();
        Anchor storage a = _anchors[msg.sender][day];
        if (a.head != bytes32(0)) {
            if (a.head == head && a.count == count) return;
            revert AccountsAccessLogAnchored(msg.sender, day, a.head);
        }
        a.head = head;
        a.count = count;
        emit AccessLogAnchored(msg.sender, day, head, count);
    }

    /// @inheritdoc IAccounts
    function grantorOf(address account, uint8 role, bytes32 scope) external view returns (address) {
        return _grantors[_key(account, role, scope)];
    }

    /// @inheritdoc IAccounts
    function accessLogHead(address org, uint64 day) external view returns (bytes32 head, uint64 count) {
        Anchor storage a = _anchors[org][day];
        return (a.head, a.count);
    }

    /// @inheritdoc IAccounts
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc IAccounts
    function consortium() external view returns (address) {
        return address(_consortium);
    }

    function _checkMember(address org) private view {
        if (!_consortium.isMember(org)) revert AccountsNotMember(org);
    }

    /// @dev The rules of the contract notice: the org role each account role needs, and its scope.
    function _checkScope(address org, uint8 role, bytes32 scope) private view {
        if (role == ACCOUNT_REGULATOR || role == ACCOUNT_ISSUER || role == ACCOUNT_AUDITOR) {
            uint16 orgRole =
                role == ACCOUNT_REGULATOR ? ROLE_REGULATOR : role == ACCOUNT_ISSUER ? ROLE_ISSUER : ROLE_AUDITOR;
            _checkOrgRole(org, role, orgRole);
            if (scope != bytes32(0)) revert AccountsInvalidScope(role, scope);
        } else if (role == ACCOUNT_REGION_OPERATOR || role == ACCOUNT_COLLECTOR) {
            (bool found, address operator) = _regionOperator(scope);
            if (!found || operator != org) revert AccountsInvalidScope(role, scope);
        } else if (role == ACCOUNT_GRID_OPERATOR) {
            _checkOrgRole(org, role, ROLE_GRID_OPERATOR);
            (bool found,) = _regionOperator(scope);
            if (!found) revert AccountsInvalidScope(role, scope);
        } else if (role == ACCOUNT_COMMUNITY_OPERATOR || role == ACCOUNT_PROSUMER) {
            _checkOrgRole(org, role, ROLE_COMMUNITY);
            if (scope != bytes32(uint256(uint160(org)))) revert AccountsInvalidScope(role, scope);
        } else {
            revert AccountsUnknownRole(role);
        }
    }

    function _checkOrgRole(address org, uint8 role, uint16 orgRole) private view {
        if (!_consortium.hasRole(org, orgRole)) revert AccountsOrgRoleMissing(org, role, orgRole);
    }

    /// @dev The operator of an approved region; `found` is false for an unknown region (the Registry reverts).
    function _regionOperator(bytes32 regionId) private view returns (bool found, address operator) {
        if (regionId == bytes32(0)) return (false, address(0));
        try _registry.region(regionId) returns (IRegistry.Region memory r) {
            return (true, r.operator);
        } catch {
            return (false, address(0));
        }
    }

    function _key(address account, uint8 role, bytes32 scope) private pure returns (bytes32) {
        return keccak256(abi.encode(account, role, scope));
    }
}
