import { describe, expect, it } from "vitest";
import { resolveNodeConfig } from "./config.js";

describe("resolveNodeConfig", () => {
  it("prefers flags over env vars over defaults", () => {
    const env = {
      GRIDLEDGER_PORT: "9000",
      GRIDLEDGER_RPC_URL: "http://127.0.0.1:1234",
      DATABASE_URL: "postgres://x/y",
    };
    const fromEnv = resolveNodeConfig({}, env);
    expect(fromEnv.http).toMatchObject({ port: 9000, explicit: true, flag: "--port" });
    expect(fromEnv.rpc).toMatchObject({ port: 8545, explicit: false, flag: "--rpc-port" });
    expect(fromEnv.rpcUrl).toBe("http://127.0.0.1:1234");
    expect(fromEnv.databaseUrl).toBe("postgres://x/y");
    expect(resolveNodeConfig({ port: "9100" }, env).http.port).toBe(9100);
    expect(resolveNodeConfig({}, {}).chainId).toBe(1337);
  });

  it("names the flag of a malformed value", () => {
    expect(() => resolveNodeConfig({ port: "80a" }, {})).toThrow(
      '--port must be a port number from 0 to 65535, got "80a"',
    );
    expect(() => resolveNodeConfig({ rpcUrl: "localhost:8545" }, {})).toThrow(
      /--rpc-url must be an http\(s\) URL/,
    );
    expect(() => resolveNodeConfig({ chainId: "-1" }, {})).toThrow(/--chain-id must be a positive integer/);
  });

  it("runs a plain chain on 127.0.0.1 without CORS unless told otherwise, whatever --host says", () => {
    const plain = resolveNodeConfig({ host: "0.0.0.0" }, {});
    expect(plain).toMatchObject({ host: "0.0.0.0", rpcHost: "127.0.0.1", rpcCors: [], devChain: false });
    const env = {
      GRIDLEDGER_DEV_CHAIN: "1",
      GRIDLEDGER_RPC_HOST: "127.0.0.2",
      GRIDLEDGER_RPC_CORS: "http://localhost:3000, https://wallet.example",
    };
    expect(resolveNodeConfig({}, env)).toMatchObject({
      devChain: true,
      rpcHost: "127.0.0.2",
      rpcCors: ["http://localhost:3000", "https://wallet.example"],
    });
    expect(resolveNodeConfig({ devChain: true, rpcCors: "*" }, { GRIDLEDGER_DEV_CHAIN: "0" })).toMatchObject({
      devChain: true,
      rpcCors: ["*"],
    });
    expect(resolveNodeConfig({}, { GRIDLEDGER_DEV_CHAIN: "false" }).devChain).toBe(false);
  });

  it("refuses a CORS origin with a path and a dev-chain switch that is neither on nor off", () => {
    expect(() => resolveNodeConfig({ rpcCors: "http://localhost:3000/app" }, {})).toThrow(
      /--rpc-cors takes origins such as http:\/\/localhost:3000/,
    );
    expect(() => resolveNodeConfig({ rpcCors: "evil.example" }, {})).toThrow(/--rpc-cors/);
    expect(() => resolveNodeConfig({}, { GRIDLEDGER_DEV_CHAIN: "maybe" })).toThrow(
      'GRIDLEDGER_DEV_CHAIN must be 1 or 0, got "maybe"',
    );
  });

  it("reads the MQTT limits from flags or env vars and refuses a value out of range", () => {
    expect(resolveNodeConfig({}, {})).toMatchObject({ mqttMaxPayload: 262144, mqttMaxReadings: 500 });
    expect(
      resolveNodeConfig({ mqttMaxPayload: "65536" }, { GRIDLEDGER_MQTT_MAX_READINGS: "50" }),
    ).toMatchObject({ mqttMaxPayload: 65536, mqttMaxReadings: 50 });
    expect(() => resolveNodeConfig({ mqttMaxPayload: "20000000" }, {})).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID_LIMIT" }),
    );
    expect(() => resolveNodeConfig({ mqttMaxReadings: "0" }, {})).toThrow(/--mqtt-max-readings must be/);
  });

  it("holds back no block by default; --confirmations or GRIDLEDGER_CONFIRMATIONS sets how many", () => {
    expect(resolveNodeConfig({}, {}).confirmations).toBe(0);
    expect(resolveNodeConfig({}, { GRIDLEDGER_CONFIRMATIONS: "12" }).confirmations).toBe(12);
    expect(resolveNodeConfig({ confirmations: "3" }, { GRIDLEDGER_CONFIRMATIONS: "12" }).confirmations).toBe(
      3,
    );
    expect(() => resolveNodeConfig({ confirmations: "-1" }, {})).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID_CONFIRMATIONS" }),
    );
  });
});
