// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @dev Account role ids (src/auth/roles.ts `accountRoleIds`). Any other id is invalid.
uint8 constant ACCOUNT_REGULATOR = 1;
uint8 constant ACCOUNT_GRID_OPERATOR = 2;
uint8 constant ACCOUNT_REGION_OPERATOR = 3;
uint8 constant ACCOUNT_COMMUNITY_OPERATOR = 4;
uint8 constant ACCOUNT_PROSUMER = 5;
uint8 constant ACCOUNT_ISSUER = 6;
uint8 constant ACCOUNT_AUDITOR = 7;
uint8 constant ACCOUNT_COLLECTOR = 8;

/// @title GridLedger accounts: role bindings of accounts granted by member organisations, and the
/// daily heads of the organisations' access logs.
/// @notice A binding is (account, role, scope), recorded with the organisation that granted it. The scope
/// is 0 (everywhere: regulator, issuer, auditor), a region id (region operator, collector: a region the
/// granting organisation operates; grid operator: any approved region), or the granting organisation's
/// own address left-padded to 32 bytes (community operator, prosumer). Only addresses are on chain.
interface IAccounts {
    /// @notice An organisation bound an account to a role with a scope.
    /// @param account The account.
    /// @param role The role id (ACCOUNT_*).
    /// @param scope The scope word.
    /// @param grantor The organisation that granted it.
    event RoleGranted(address indexed account, uint8 indexed role, bytes32 indexed scope, address grantor);

    /// @notice The granting organisation removed a binding.
    /// @param account The account.
    /// @param role The role id.
    /// @param scope The scope word.
    /// @param revoker The organisation that revoked it.
    event RoleRevoked(address indexed account, uint8 indexed role, bytes32 indexed scope, address revoker);

    /// @notice An organisation anchored the head of its access log for a day.
    /// @param org The organisation.
    /// @param day The day (days since 1970-01-01, UTC).
    /// @param head The hash of the day's last access-log entry.
    /// @param count The number of entries up to and including it.
    event AccessLogAnchored(address indexed org, uint64 indexed day, bytes32 head, uint64 count);

    /// @notice Only an active member of the consortium may do this.
    /// @param caller The refused caller.
    error AccountsNotMember(address caller);

    /// @notice The zero address is not an account.
    error AccountsZeroAddress();

    /// @notice No role has this id.
    /// @param role The refused id.
    error AccountsUnknownRole(uint8 role);

    /// @notice The organisation lacks the consortium role needed to grant this account role.
    /// @param org The organisation.
    /// @param role The account role it tried to grant.
    /// @param orgRole The consortium role bit it needs.
    error AccountsOrgRoleMissing(address org, uint8 role, uint16 orgRole);

    /// @notice The scope does not fit the role or the organisation (see the contract notice).
    /// @param role The account role.
    /// @param scope The refused scope word.
    error AccountsInvalidScope(uint8 role, bytes32 scope);

    /// @notice Another organisation granted this binding already.
    /// @param account The account.
    /// @param role The role id.
    /// @param scope The scope word.
    /// @param grantor The organisation holding it.
    error AccountsGrantedByOther(address account, uint8 role, bytes32 scope, address grantor);

    /// @notice There is no such binding.
    /// @param account The account.
    /// @param role The role id.
    /// @param scope The scope word.
    error AccountsNotGranted(address account, uint8 role, bytes32 scope);

    /// @notice Only the organisation that granted a binding may revoke it.
    /// @param caller The refused caller.
    /// @param grantor The organisation that granted it.
    error AccountsNotGrantor(address caller, address grantor);

    /// @notice An access-log head must not be zero.
    error AccountsZeroHead();

    /// @notice The organisation anchored a different head (or count) for this day; anchors never change.
    /// @param org The organisation.
    /// @param day The day.
    /// @param head The head anchored.
    error AccountsAccessLogAnchored(address org, uint64 day, bytes32 head);

    /// @notice The registry given to the constructor is not a contract.
    /// @param registry The refused address.
    error AccountsInvalidRegistry(address registry);

    /// @notice Binds `account` to `role` with `scope` as the caller's organisation. Granting a binding
    /// the caller already granted changes nothing and emits no event.
    /// @param account The account (non-zero).
    /// @param role The role id (ACCOUNT_*).
    /// @param scope The scope word the role needs.
    function grant(address account, uint8 role, bytes32 scope) external;

    /// @notice Removes a binding the caller's organisation granted.
    /// @param account The account.
    /// @param role The role id.
    /// @param scope The scope word.
    function revoke(address account, uint8 role, bytes32 scope) external;

    /// @notice Anchors the head of the caller's access log for `day`. Write-once per (org, day): the same
    /// head and count again change nothing; a different one is refused.
    /// @param day Days since 1970-01-01 (UTC).
    /// @param head The hash of the day's last entry (non-zero).
    /// @param count The number of entries up to and including it.
    function anchorAccessLog(uint64 day, bytes32 head, uint64 count) external;

    /// @notice The organisation that granted a binding, or zero when there is none.
    /// @param account The account.
    /// @param role The role id.
    /// @param scope The scope word.
    /// @return The grantor.
    function grantorOf(address account, uint8 role, bytes32 scope) external view returns (address);

    /// @notice The access-log head an organisation anchored for a day (zero head when none).
    /// @param org The organisation.
    /// @param day The day.
    /// @return head The anchored head.
    /// @return count The anchored entry count.
    function accessLogHead(address org, uint64 day) external view returns (bytes32 head, uint64 count);

    /// @notice The Registry whose regions scope the region roles.
    /// @return The registry.
    function registry() external view returns (address);

    /// @notice The Consortium whose members grant roles.
    /// @return The consortium.
    function consortium() external view returns (address);
}
