import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { listenWithFallback } from "./ports.js";

function listen(port: number): Promise<Server> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => done(server));
  });
}
const portOf = (server: Server) => (server.address() as { port: number }).port;

describe("listenWithFallback", () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  it("takes a free port when the default one is taken", async () => {
    const taken = await listen(0);
    servers.push(taken);
    const server = await listenWithFallback({ port: portOf(taken), explicit: false, flag: "--port" }, listen);
    servers.push(server);
    expect(portOf(server)).not.toBe(portOf(taken));
  });

  it("refuses a taken port the user chose, naming the flag", async () => {
    const taken = await listen(0);
    servers.push(taken);
    await expect(
      listenWithFallback({ port: portOf(taken), explicit: true, flag: "--rpc-port" }, listen),
    ).rejects.toMatchObject({
      code: "CONFIG_PORT_IN_USE",
      message: `port ${portOf(taken)} given with --rpc-port is already in use; choose another or leave --rpc-port out`,
    });
  });

  it("keeps the port it fell back to across restarts, even once the default is free again", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gridledger-ports-"));
    try {
      const taken = await listen(0);
      const setting = {
        port: portOf(taken),
        explicit: false,
        flag: "--mqtt-port",
        rememberIn: join(dir, "ports.json"),
      };
      const first = await listenWithFallback(setting, listen);
      const chosen = portOf(first);
      expect(chosen).not.toBe(portOf(taken));
      expect(JSON.parse(await readFile(join(dir, "ports.json"), "utf8"))).toEqual({ "--mqtt-port": chosen });
      // "Restart": the node stops, the default port is freed, and the node comes back where meters expect it.
      await new Promise((done) => first.close(done));
      await new Promise((done) => taken.close(done));
      const second = await listenWithFallback(setting, listen);
      servers.push(second);
      expect(portOf(second)).toBe(chosen);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
