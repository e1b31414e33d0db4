import { http } from "./errorEntry.js";

/** Regions, organisations, devices and proposals, checked by the node before any transaction. */
export const registryErrors = {
  REGISTRY_INVALID_ADDRESS: http(400, "an owner or operator is not a 20-byte hex address"),
  REGISTRY_INVALID_CAPACITY: http(400, "a device's capacity is not a whole number of watts"),
  REGISTRY_INVALID_INTERVAL: http(400, "a region's interval is not 60 to 86400 seconds dividing a day"),
  REGISTRY_INVALID_PARAMETER: http(400, "a parameter name is not 1 to 32 bytes"),
  REGISTRY_MISSING_ENERGY_SOURCE: http(400, "a generation device needs its energy source"),
  REGISTRY_MISSING_FIELD: http(400, "a required field of a proposal is missing"),
  REGISTRY_PRIVATE_KEY_GIVEN: http(400, "a private key where the public key belongs; nothing was sent"),
  REGISTRY_UNKNOWN_DEVICE_KIND: http(400, "no device kind has this name"),
  REGISTRY_UNKNOWN_DEVICE_STATUS: http(400, "no device status has this name"),
  REGISTRY_UNKNOWN_ENERGY_SOURCE: http(400, "no energy source has this name"),
  REGISTRY_UNKNOWN_PROPOSAL_KIND: http(400, "no proposal kind has this name"),
  REGISTRY_UNKNOWN_ROLE: http(400, "no consortium role has this name"),
  REGISTRY_UNKNOWN_SCHEME: http(400, "no signature scheme has this name"),
  REGISTRY_DEVICE_NOT_FOUND: http(404, "no device with this id, or none the caller may see"),
  REGISTRY_ORGANISATION_NOT_FOUND: http(404, "no organisation with this address"),
  REGISTRY_REGION_NOT_FOUND: http(404, "no approved region with this code"),
};
