import { http } from "./errorEntry.js";

/**
 * Governance proposals of encoded calls, checked by the node before any transaction; Governor refusals
 * keep the codes the consortium's own proposals had (src/governance/governanceClient.ts).
 */
export const proposalErrors = {
  CONSORTIUM_ALREADY_VOTED: http(409, "the seat has voted on this proposal already"),
  CONSORTIUM_NOT_SEAT_HOLDER: http(403, "only a seat holder may propose or vote"),
  CONSORTIUM_PROPOSAL_NOT_ACTIVE: http(
    409,
    "the proposal is not open (executed, expired, defeated or canceled)",
  ),
  CONSORTIUM_QUORUM_NOT_REACHED: http(409, "the proposal has too few votes to execute"),
  CONSORTIUM_UNKNOWN_PROPOSAL: http(404, "no proposal has this id"),
  GOVERNANCE_INVALID_ARGUMENT: http(
    400,
    "a call's argument does not fit its parameter's type, or the count is wrong",
  ),
  GOVERNANCE_INVALID_ROLE: http(400, "an authority role that is not public, governance or a role number"),
  GOVERNANCE_INVALID_SERVICE_NAME: http(400, "a service name that is empty or longer than 32 bytes"),
  GOVERNANCE_TIMELOCK_NOT_READY: http(
    409,
    "the proposal passed but its timelock delay has not passed yet",
    true,
  ),
  GOVERNANCE_UNKNOWN_CONTRACT: http(400, "no contract of the manifest has this name"),
  GOVERNANCE_UNKNOWN_FUNCTION: http(
    400,
    "the contract has no such state-changing function, or the signature is malformed",
  ),
};
