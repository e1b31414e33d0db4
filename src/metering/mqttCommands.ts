import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { clientOf } from "../cli/context.js";
import { answer } from "../cli/nodeApi.js";
import { output, printRecord } from "../cli/output.js";
import { defaults } from "../core/config.js";
import { BaseError } from "../core/errors.js";
import { readIfExists } from "../core/files.js";
import {
  mosquittoAcl,
  mosquittoConf,
  mosquittoPasswordLine,
  newBrokerPassword,
  parsePasswordFile,
} from "./mosquittoSetup.js";
import { nodeUsername } from "./mqttAuth.js";

/** Active devices of the node's registry (optionally of one region), every page. */
async function activeDevices(api: ReturnType<typeof clientOf>["api"], region?: string): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; ; offset += 1000) {
    const query = { limit: 1000, offset, region };
    const page = answer(await api.client.GET("/v1/devices", { params: { query } }));
    for (const device of page.devices) {
      if (device.status === "active") ids.push(device.deviceId.replace(/^0x/i, "").toLowerCase());
    }
    if (page.devices.length < 1000) return ids;
  }
}

/** `gridledger mqtt acl`: a Mosquitto 2.x setup enforcing GridLedger's MQTT rules (docs/node.md). */
export function registerMqttCommands(program: Command): void {
  const mqtt = program.command("mqtt").description("MQTT broker setup");
  mqtt
    .command("acl")
    .description(
      "write a Mosquitto 2.x setup (ACL file, password file, mosquitto.conf snippet) for the node's active devices; new passwords are listed once in DIR/credentials.txt",
    )
    .requiredOption("--out <dir>", "directory to write acl, passwd, mosquitto.conf and credentials.txt to")
    .option("--region <code>", "only the devices of this region")
    .option("--device <id...>", "these device ids (hex) instead of asking the node")
    .option("--port <port>", "listener port in mosquitto.conf", "1883")
    .option("--max-payload <bytes>", "message_size_limit", String(defaults.mqttMaxPayload))
    .action(
      async (
        o: { out: string; region?: string; device?: string[]; port: string; maxPayload: string },
        command: Command,
      ) => {
        const dir = resolve(o.out);
        const ids = o.device
          ? o.device.map((id) => id.replace(/^0x/i, "").toLowerCase())
          : await activeDevices(clientOf(command).api, o.region);
        const bad = ids.find((id) => !/^[0-9a-f]{64}$/.test(id));
        if (bad !== undefined) {
          throw new BaseError("CLI_INVALID_OPTION", `a device id is 64 hex digits, got "${bad}"`, {
            details: { deviceId: bad },
          });
        }
        const port = Number(o.port);
        const maxPayloadBytes = Number(o.maxPayload);
        if (!Number.isInteger(port) || port < 1 || port > 65535 || !Number.isSafeInteger(maxPayloadBytes)) {
          throw new BaseError(
            "CLI_INVALID_OPTION",
            "--port is 1–65535 and --max-payload a whole number of bytes",
          );
        }
        await mkdir(dir, { recursive: true, mode: 0o700 });
        const existing = parsePasswordFile((await readIfExists(join(dir, "passwd"))) ?? "");
        // Passwords already handed out stay valid: only users missing from passwd get a new one.
        const issued: [string, string][] = [];
        for (const user of [nodeUsername, ...ids]) {
          if (existing.has(user)) continue;
          const password = newBrokerPassword();
          existing.set(user, mosquittoPasswordLine(user, password));
          issued.push([user, password]);
        }
        await writeFile(join(dir, "passwd"), `${[...existing.values()].join("\n")}\n`, { mode: 0o600 });
        await chmod(join(dir, "passwd"), 0o600);
        await writeFile(join(dir, "acl"), mosquittoAcl(), { mode: 0o600 });
        await writeFile(join(dir, "mosquitto.conf"), mosquittoConf({ dir, port, maxPayloadBytes }), {
          mode: 0o600,
        });
        const lines = [
          "# New broker passwords, listed once: hand each device its own, then delete this file.",
          "# username (= client id) password",
          ...issued.map(([user, password]) => `${user} ${password}`),
          "",
        ];
        await writeFile(join(dir, "credentials.txt"), lines.join("\n"), { mode: 0o600 });
        await chmod(join(dir, "credentials.txt"), 0o600);
        const nodePassword = issued.find(([user]) => user === nodeUsername)?.[1];
        const summary = {
          dir,
          devices: ids.length,
          newPasswords: issued.length,
          files: ["acl", "passwd", "mosquitto.conf", "credentials.txt"],
          nodeUrl: nodePassword
            ? `mqtt://${nodeUsername}:${nodePassword}@<broker host>:${port}`
            : "(the node's password was issued before)",
        };
        output(command.optsWithGlobals(), summary, () => printRecord(summary));
      },
    );
}
