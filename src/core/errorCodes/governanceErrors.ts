import { revert } from "./errorEntry.js";

/**
 * The custom errors of the OpenZeppelin contracts GridLedger's governance is built on (Governor,
 * TimelockController, AccessManager, AccessManaged, AccessControl and the utilities they use), decoded
 * by name like the platform's own (src/chain/decodeRevert.ts). Most can only be met by a governance
 * proposal's execution or a hand-made transaction.
 */
export const governanceErrors = {
  ACCESS_CONTROL_BAD_CONFIRMATION: revert(400, "a role can only be renounced by its holder"),
  ACCESS_CONTROL_UNAUTHORIZED_ACCOUNT: revert(
    403,
    "the timelock refuses a caller without the role the call needs",
  ),
  ACCESS_MANAGED_INVALID_AUTHORITY: revert(400, "a new authority that is not a contract"),
  ACCESS_MANAGED_REQUIRED_DELAY: revert(
    409,
    "the caller's role has an execution delay: schedule the call in the authority",
  ),
  ACCESS_MANAGED_UNAUTHORIZED: revert(
    403,
    "the authority does not let the caller call this function (governance only, or a role it lacks)",
  ),
  ACCESS_MANAGER_ALREADY_SCHEDULED: revert(409, "the operation is scheduled in the authority already"),
  ACCESS_MANAGER_BAD_CONFIRMATION: revert(400, "an authority role can only be renounced by its holder"),
  ACCESS_MANAGER_EXPIRED: revert(409, "the scheduled operation expired"),
  ACCESS_MANAGER_INVALID_INITIAL_ADMIN: revert(400, "the authority needs an initial admin"),
  ACCESS_MANAGER_LOCKED_FUNCTION: revert(400, "the authority's own role functions cannot be re-mapped"),
  ACCESS_MANAGER_LOCKED_ROLE: revert(400, "the admin and public roles cannot be changed that way"),
  ACCESS_MANAGER_NOT_READY: revert(409, "the scheduled operation's delay has not passed yet"),
  ACCESS_MANAGER_NOT_SCHEDULED: revert(404, "no such operation is scheduled in the authority"),
  ACCESS_MANAGER_UNAUTHORIZED_ACCOUNT: revert(
    403,
    "the caller lacks the authority role this needs (governance)",
  ),
  ACCESS_MANAGER_UNAUTHORIZED_CALL: revert(403, "the authority does not let the caller call that function"),
  ACCESS_MANAGER_UNAUTHORIZED_CANCEL: revert(403, "the caller may not cancel that scheduled operation"),
  ACCESS_MANAGER_UNAUTHORIZED_CONSUME: revert(
    403,
    "only the target contract consumes its scheduled operation",
  ),
  ADDRESS_EMPTY_CODE: revert(400, "a call to an address without contract code"),
  CHECKPOINT_UNORDERED_INSERTION: revert(
    500,
    "a seat checkpoint older than the last one (the chain's clock went back)",
  ),
  FAILED_CALL: revert(400, "a call of the proposal failed without a reason"),
  GOVERNOR_ALREADY_CAST_VOTE: revert(409, "the seat has voted on this proposal already"),
  GOVERNOR_ALREADY_QUEUED_PROPOSAL: revert(409, "the proposal is queued already"),
  GOVERNOR_DISABLED_DEPOSIT: revert(400, "the governor does not take deposits"),
  GOVERNOR_INSUFFICIENT_PROPOSER_VOTES: revert(403, "only a seat holder may propose"),
  GOVERNOR_INVALID_PROPOSAL_LENGTH: revert(
    400,
    "a proposal needs at least one call, with as many targets, values and calldatas",
  ),
  GOVERNOR_INVALID_SIGNATURE: revert(400, "a vote signature that does not match the voter"),
  GOVERNOR_INVALID_VOTE_PARAMS: revert(400, "vote parameters the governor does not take"),
  GOVERNOR_INVALID_VOTE_TYPE: revert(400, "a vote that is not against (0), for (1) or abstain (2)"),
  GOVERNOR_INVALID_VOTING_PERIOD: revert(400, "a voting period of zero"),
  GOVERNOR_NONEXISTENT_PROPOSAL: revert(404, "no proposal has this id"),
  GOVERNOR_ONLY_EXECUTOR: revert(403, "only governance (the timelock) may do this"),
  GOVERNOR_PROPOSAL_QUEUEING_FAILED: revert(500, "the timelock did not queue the proposal"),
  GOVERNOR_PROPOSAL_QUEUEING_NOT_REQUIRED: revert(409, "the proposal needs no queueing"),
  GOVERNOR_RESTRICTED_PROPOSER: revert(403, "the description reserves the proposal for another proposer"),
  GOVERNOR_UNABLE_TO_CANCEL: revert(403, "only the proposer cancels a proposal, while voting is open"),
  GOVERNOR_UNEXPECTED_PROPOSAL_STATE: revert(
    409,
    "the proposal's state does not allow this (voting closed, not passed, or done)",
  ),
  INSUFFICIENT_BALANCE: revert(400, "the calls send more value than the executor holds"),
  INVALID_ACCOUNT_NONCE: revert(409, "a signed vote with a nonce already used"),
  INVALID_SHORT_STRING: revert(500, "a string too long for a short-string field"),
  SAFE_CAST_OVERFLOWED_UINT_DOWNCAST: revert(400, "a number too large for its field"),
  STRING_TOO_LONG: revert(500, "a string too long for a short-string field"),
  TIMELOCK_INSUFFICIENT_DELAY: revert(400, "a timelock delay below the minimum"),
  TIMELOCK_INVALID_OPERATION_LENGTH: revert(
    400,
    "a timelock operation with mismatched targets, payloads and values",
  ),
  TIMELOCK_UNAUTHORIZED_CALLER: revert(403, "only the timelock itself may change its delay"),
  TIMELOCK_UNEXECUTED_PREDECESSOR: revert(409, "the timelock operation waits for another one"),
  TIMELOCK_UNEXPECTED_OPERATION_STATE: revert(
    409,
    "the timelock operation is not ready (its delay has not passed) or is done or canceled",
  ),
};
