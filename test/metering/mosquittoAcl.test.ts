import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import { connectAsync, type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDeviceKey } from "../../src/metering/deviceKey.js";
import { mosquittoPasswordLine } from "../../src/metering/mosquittoSetup.js";
import { freePort, runCli, tempDir } from "../helpers/cli.js";
import { refusedWith } from "../helpers/mqtt.js";

const mosquittoBinary = "/usr/sbin/mosquitto";
// Mosquitto is part of the machine and of CI: there a missing binary fails the test, not skips it.
const skip = !existsSync(mosquittoBinary) && !process.env.CI;

describe("mosquittoPasswordLine", () => {
  it("writes what mosquitto_passwd writes for the same salt: PBKDF2-SHA512, 101 rounds, $7$", () => {
    // `mosquitto_passwd -b pw alice secret` wrote this line with the salt +4fLAulJRMQsQvXf.
    const salt = Buffer.from("+4fLAulJRMQsQvXf", "base64");
    expect(mosquittoPasswordLine("alice", "secret", salt)).toBe(
      "alice:$7$101$+4fLAulJRMQsQvXf$BH3vDWxnnPjplgy8T7gqPXtZRVH7Y2w0oiaTLARTLTw9i/e0iyDloi7+sgbiU8oIV+JctrLuZIy4Eo1kkmOXKQ==",
    );
  });
});

describe.skipIf(skip)("gridledger mqtt acl with the machine's Mosquitto", () => {
  const a = generateDeviceKey().deviceId.slice(2);
  const b = generateDeviceKey().deviceId.slice(2);
  let dir: string;
  let cleanup: () => Promise<void>;
  let broker: ChildProcess | undefined;
  let url: string;
  const passwords = new Map<string, string>();
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    const port = await freePort();
    const result = await runCli([
      "mqtt",
      "acl",
      "--out",
      join(dir, "mqtt"),
      "--device",
      a,
      b,
      "--port",
      String(port),
    ]);
    expect(result.code, result.stderr).toBe(0);
    for (const line of readFileSync(join(dir, "mqtt", "credentials.txt"), "utf8").split("\n")) {
      if (line.startsWith("#") || line.trim() === "") continue;
      const [user, password] = line.split(" ");
      passwords.set(user!, password!);
    }
    // Run as root, Mosquitto would switch to the user "mosquitto", who cannot read the 0600 files.
    if (process.getuid?.() === 0) await appendFile(join(dir, "mqtt", "mosquitto.conf"), "user root\n");
    broker = spawn(mosquittoBinary, ["-c", join(dir, "mqtt", "mosquitto.conf")], { stdio: "ignore" });
    url = `mqtt://127.0.0.1:${port}`;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      // Anonymous is refused once the broker listens; until then the connection fails another way.
      if ((await refusedWith(connectAsync(url, { reconnectPeriod: 0, connectTimeout: 1000 }, false))) === 5)
        return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error("the test's Mosquitto did not start");
  });

  afterAll(async () => {
    for (const client of clients) await client.endAsync(true);
    if (broker?.pid !== undefined) process.kill(broker.pid);
    await cleanup?.();
  });

  const login = async (user: string, password = passwords.get(user)) => {
    const client = await connectAsync(url, { clientId: user, username: user, password, reconnectPeriod: 0 });
    clients.push(client);
    return client;
  };
  const received = (client: MqttClient) => {
    const messages: { topic: string; payload: string }[] = [];
    client.on("message", (topic, payload) => messages.push({ topic, payload: payload.toString() }));
    return messages;
  };

  it("writes passwd and credentials.txt readable by their owner only, with the node's and each device's password", () => {
    expect([...passwords.keys()].sort()).toEqual(["gridledger-node", a, b].sort());
    for (const name of ["passwd", "credentials.txt"]) {
      expect(statSync(join(dir, "mqtt", name)).mode & 0o777).toBe(0o600);
    }
    const conf = readFileSync(join(dir, "mqtt", "mosquitto.conf"), "utf8");
    expect(conf).toMatch(/^allow_anonymous false$/m);
    expect(conf).toMatch(/^message_size_limit 262144$/m);
  });

  it("refuses anonymous clients and wrong passwords", async () => {
    expect(await refusedWith(connectAsync(url, { reconnectPeriod: 0 }, false))).toBe(5);
    const wrong = connectAsync(url, { username: a, password: "guess", reconnectPeriod: 0 }, false);
    expect(await refusedWith(wrong)).toBeGreaterThanOrEqual(4);
  });

  it("delivers a device's reading on its own topic to the node, not one on another device's topic", async () => {
    const node = await login("gridledger-node");
    const seen = received(node);
    await node.subscribeAsync("gridledger/v1/readings/+", { qos: 1 });
    const device = await login(a);
    await device.publishAsync(`gridledger/v1/readings/${b}`, "forged", { qos: 1 }).catch(() => undefined);
    await device.publishAsync(`gridledger/v1/readings/${a}`, "own", { qos: 1 });
    await expect.poll(() => seen.length, { timeout: 5_000 }).toBe(1);
    expect(seen).toEqual([{ topic: `gridledger/v1/readings/${a}`, payload: "own" }]);
  });

  it("lets only the node publish acks, and each device read only its own", async () => {
    const node = await login("gridledger-node");
    const deviceA = await login(a);
    const deviceB = await login(b);
    const seenA = received(deviceA);
    const seenB = received(deviceB);
    await deviceA.subscribeAsync(`gridledger/v1/acks/${a}`, { qos: 1 });
    await deviceA.subscribeAsync(["#", `gridledger/v1/acks/${b}`], { qos: 1 }).catch(() => undefined);
    await deviceB.subscribeAsync(`gridledger/v1/acks/${b}`, { qos: 1 });
    await deviceA.publishAsync(`gridledger/v1/acks/${b}`, "forged ack", { qos: 1 }).catch(() => undefined);
    await node.publishAsync(`gridledger/v1/acks/${b}`, "ack for b", { qos: 1 });
    await node.publishAsync(`gridledger/v1/acks/${a}`, "ack for a", { qos: 1 });
    await expect.poll(() => seenA.length + seenB.length, { timeout: 5_000 }).toBe(2);
    expect(seenA).toEqual([{ topic: `gridledger/v1/acks/${a}`, payload: "ack for a" }]);
    expect(seenB).toEqual([{ topic: `gridledger/v1/acks/${b}`, payload: "ack for b" }]);
  });

  it("keeps passwords already handed out when run again, issuing only the new device's", async () => {
    const c = generateDeviceKey().deviceId.slice(2);
    const again = await runCli(["mqtt", "acl", "--out", join(dir, "mqtt"), "--device", a, b, c, "--json"]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ devices: 3, newPasswords: 1 });
    const passwd = readFileSync(join(dir, "mqtt", "passwd"), "utf8");
    expect(passwd.split("\n").filter(Boolean)).toHaveLength(4);
  });
});
