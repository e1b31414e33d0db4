import type { FastifyRequest } from "fastify";
import { deviceVisible } from "../auth/access.js";
import type { Action } from "../auth/permissions.js";
import { BaseError } from "../core/errors.js";
import type { Queryable } from "../db/database.js";

/** The action a route declared (`config.permission`); every route has one (the auth plugin checks). */
export function actionOf(request: FastifyRequest): Action {
  return (request.routeOptions.config as { permission: Action }).permission;
}

/**
 * Refuses a reading of a device outside the principal's reach exactly as a missing reading
 * (`READING_NOT_FOUND`, same message and details), so a stranger learns nothing from the answer.
 */
export async function assertReadingVisible(
  db: Queryable,
  request: FastifyRequest,
  deviceId: `0x${string}`,
  seq: bigint,
): Promise<void> {
  if (await deviceVisible(db, request.principal, actionOf(request), deviceId)) return;
  throw new BaseError("READING_NOT_FOUND", `no reading of device ${deviceId.slice(2)} with seq ${seq}`, {
    details: { deviceId, seq: seq.toString() },
  });
}

/** Refuses a device outside the principal's reach as an unregistered one (`REGISTRY_DEVICE_NOT_FOUND`). */
export async function assertDeviceVisible(
  db: Queryable,
  request: FastifyRequest,
  deviceId: string,
): Promise<void> {
  if (await deviceVisible(db, request.principal, actionOf(request), deviceId)) return;
  throw deviceNotFound(deviceId);
}

/** The registry's answer for a device it does not have (see registryRoutes' notFound). */
export function deviceNotFound(deviceId: string): BaseError {
  return new BaseError("REGISTRY_DEVICE_NOT_FOUND", `no device "${deviceId}" is registered`, {
    details: { device: deviceId },
  });
}
