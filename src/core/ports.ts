import type { PortSetting } from "./config.js";
import { BaseError } from "./errors.js";

/**
 * Starts a server on the configured port. When that port is a default and is taken, falls back to
 * any free port (the caller prints where it listens); when the user chose it, a taken port is a
 * `CONFIG_PORT_IN_USE` error naming the flag.
 */
export async function listenWithFallback<T>(
  setting: PortSetting,
  listen: (port: number) => Promise<T>,
): Promise<T> {
  try {
    return await listen(setting.port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code !== "EADDRINUSE") throw error;
    if (setting.explicit) {
      throw new BaseError(
        "CONFIG_PORT_IN_USE",
        `port ${setting.port} given with ${setting.flag} is already in use; choose another or leave ${setting.flag} out`,
        { details: { flag: setting.flag, port: setting.port } },
      );
    }
    return listen(0);
  }
}
