import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import type { PortSetting } from "./config.js";
import { BaseError } from "./errors.js";

/**
 * Starts a server on the configured port. When the user chose the port, a taken one is a
 * `CONFIG_PORT_IN_USE` error naming the flag. Otherwise the node listens where it listened last time
 * it had to fall back (remembered in `setting.rememberIn`, so meters given that port keep connecting
 * across restarts), else on the default, else on a free port, which it then remembers.
 */
export async function listenWithFallback<T>(
  setting: PortSetting,
  listen: (port: number) => Promise<T>,
): Promise<T> {
  const remembered = setting.explicit ? undefined : await rememberedPort(setting);
  for (const port of new Set([remembered ?? setting.port, setting.port])) {
    try {
      return await listen(port);
    } catch (error) {
      if ((error as NodeJS.ErrnoException)?.code !== "EADDRINUSE") throw error;
      if (setting.explicit) {
        throw new BaseError(
          "CONFIG_PORT_IN_USE",
          `port ${setting.port} given with ${setting.flag} is already in use; choose another or leave ${setting.flag} out`,
          { details: { flag: setting.flag, port: setting.port } },
        );
      }
    }
  }
  if (setting.port === 0) return listen(0);
  // A port known before listening, so it can be remembered whatever `listen` returns; another process
  // may take it in between, hence a few tries.
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    try {
      const server = await listen(port);
      await rememberPort(setting, port);
      return server;
    } catch (error) {
      if ((error as NodeJS.ErrnoException)?.code !== "EADDRINUSE" || attempt >= 4) throw error;
    }
  }
}

/** A port the operating system reports free right now. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

async function readMemory(file: string): Promise<Record<string, number>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, "utf8"));
    return parsed !== null && typeof parsed === "object" ? (parsed as Record<string, number>) : {};
  } catch {
    return {};
  }
}

async function rememberedPort(setting: PortSetting): Promise<number | undefined> {
  if (setting.rememberIn === undefined) return undefined;
  const port = (await readMemory(setting.rememberIn))[setting.flag];
  return Number.isInteger(port) && port! > 0 && port! < 65536 ? port : undefined;
}

async function rememberPort(setting: PortSetting, port: number): Promise<void> {
  if (setting.rememberIn === undefined) return;
  const memory = await readMemory(setting.rememberIn);
  memory[setting.flag] = port;
  await writeFile(setting.rememberIn, `${JSON.stringify(memory, null, 2)}\n`, { mode: 0o600 });
}
