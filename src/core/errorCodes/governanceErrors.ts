import { http } from "./errorEntry.js";

/** Governance proposals of encoded calls, checked by the node before any transaction. */
export const governanceErrors = {
  GOVERNANCE_INVALID_ARGUMENT: http(400, "a call's argument does not fit its parameter's type, or the count is wrong"),
  GOVERNANCE_INVALID_ROLE: http(400, "an authority role that is not public, governance or a role number"),
  GOVERNANCE_INVALID_SERVICE_NAME: http(400, "a service name that is empty or longer than 32 bytes"),
  GOVERNANCE_UNKNOWN_CONTRACT: http(400, "no contract of the manifest has this name"),
  GOVERNANCE_UNKNOWN_FUNCTION: http(400, "the contract has no such state-changing function, or the signature is malformed"),
};
