import { join, resolve } from "node:path";
import { BaseError } from "./errors.js";

/** Default ports and chain settings of a node; each can be overridden by a flag or env var. */
export const defaults = {
  dataDir: ".gridledger",
  host: "127.0.0.1",
  port: 8080,
  rpcPort: 8545,
  mqttPort: 1883,
  chainId: 1337,
  /** Seconds after an interval ends before its readings are anchored. */
  anchorGraceSeconds: 300,
  /** Analysis workers inside the node. */
  workers: 1,
  /** Blocks held back from the head by the event indexers. */
  confirmations: 0,
  nodeUrl: "http://127.0.0.1:8080",
  /** HTTP writes and expensive reads per minute per client address (0: no limit). */
  rateLimit: 1200,
  /** POST /v1/readings per minute per client address (0: no limit). */
  readingsRateLimit: 12_000,
  /** Seconds a client has to send a whole HTTP request (0: no limit). */
  requestTimeoutSeconds: 30,
  /** Largest MQTT payload read as readings, bytes (the embedded broker closes at 4× this). */
  mqttMaxPayload: 256 * 1024,
  /** Most readings in one MQTT message. */
  mqttMaxReadings: 500,
  /** Fewest devices a region must have before the public sees its figures (k-anonymity). */
  minGroupSize: 5,
} as const;

/** Defaults of `gridledger init`: the first seat holder of a new consortium. */
export const initDefaults = {
  name: "GridLedger operator",
  roles: "regulator,grid-operator,region-operator",
} as const;

/** A TCP port the node listens on and whether the user chose it (then a taken port is an error). */
export type PortSetting = {
  port: number;
  explicit: boolean;
  flag: string;
  /** File where a fallback port is remembered for the next start (`<dataDir>/ports.json`). */
  rememberIn?: string | undefined;
};

/** Everything `gridledger start` needs, resolved from flags, then env vars, then defaults. */
export type NodeConfig = {
  dataDir: string;
  host: string;
  http: PortSetting;
  rpc: PortSetting;
  /** External EVM JSON-RPC network; undefined means the embedded chain. */
  rpcUrl: string | undefined;
  /** PostgreSQL URL; undefined means embedded PGlite in the data directory. */
  databaseUrl: string | undefined;
  chainId: number;
  /** Port of the embedded MQTT broker (used when `mqttUrl` is undefined). */
  mqtt: PortSetting;
  /** External MQTT broker to subscribe at; undefined means the embedded broker. */
  mqttUrl: string | undefined;
  /** Seconds after an interval ends before its readings are anchored. */
  anchorGraceSeconds: number;
  /** Analytics settings file (JSON); undefined means `<dataDir>/analytics.json` when it exists. */
  analyticsConfig: string | undefined;
  /** Analysis workers run inside the node (0: leave the jobs to `gridledger worker` processes). */
  workers: number;
  /**
   * Blocks an event must be buried under before the node's indexers handle it: 0 for chains with
   * instant finality (the embedded chain, QBFT), N for chains that reorganise.
   */
  confirmations: number;
  /**
   * A development chain: the embedded chain serves `evm_*`, funds the development accounts when it is
   * created, and accepts transactions from every sender (`--dev-chain`, implied by `start --demo`).
   */
  devChain: boolean;
  /** Address the embedded chain's JSON-RPC listens on (independent of `host`). */
  rpcHost: string;
  /** Browser origins allowed to call the embedded chain's JSON-RPC (`*` for any); empty: none. */
  rpcCors: string[];
  /** Largest MQTT payload read as readings, bytes. */
  mqttMaxPayload: number;
  /** Most readings in one MQTT message. */
  mqttMaxReadings: number;
  /** Rate limits and the request timeout of the HTTP API. */
  httpLimits: HttpLimits;
  /** Fewest devices of a region before statistics break it down for a principal that does not reach it. */
  minGroupSize: number;
};

/** Limits of the HTTP API against slow, greedy or hostile clients (docs/http-api.md, "Limits"). */
export type HttpLimits = {
  /** Writes (every method but GET and HEAD) and expensive reads per minute per client address; 0: off. */
  rateLimit: number;
  /** POST /v1/readings per minute per client address; 0: off. */
  readingsRateLimit: number;
  /** Seconds a client has to send a whole request, headers and body; 0: off. */
  requestTimeoutSeconds: number;
};

/** Flags of `init`/`start` as commander hands them over (strings, or undefined when not given). */
export type NodeFlags = {
  dataDir?: string | undefined;
  host?: string | undefined;
  port?: string | undefined;
  rpcPort?: string | undefined;
  rpcUrl?: string | undefined;
  databaseUrl?: string | undefined;
  chainId?: string | undefined;
  mqttPort?: string | undefined;
  mqttUrl?: string | undefined;
  anchorGrace?: string | undefined;
  analyticsConfig?: string | undefined;
  workers?: string | undefined;
  confirmations?: string | undefined;
  devChain?: boolean | undefined;
  rpcHost?: string | undefined;
  rpcCors?: string | undefined;
  rateLimit?: string | undefined;
  readingsRateLimit?: string | undefined;
  requestTimeout?: string | undefined;
  mqttMaxPayload?: string | undefined;
  mqttMaxReadings?: string | undefined;
  minGroupSize?: string | undefined;
};

/** Parses a TCP port, naming the flag when the value is not one. */
export function parsePort(value: string, flag: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new BaseError(
      "CONFIG_INVALID_PORT",
      `${flag} must be a port number from 0 to 65535, got "${value}"`,
      {
        details: { flag, value },
      },
    );
  }
  return port;
}

function portSetting(
  flagValue: string | undefined,
  envValue: string | undefined,
  fallback: number,
  flag: string,
): PortSetting {
  const given = flagValue ?? envValue;
  return given === undefined || given === ""
    ? { port: fallback, explicit: false, flag }
    : { port: parsePort(given, flag), explicit: true, flag };
}

/** `--anchor-grace`, else `GRIDLEDGER_ANCHOR_GRACE`, else the default: whole seconds. */
export function resolveAnchorGrace(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const text = flag ?? (env.GRIDLEDGER_ANCHOR_GRACE || undefined);
  const seconds = text === undefined ? defaults.anchorGraceSeconds : Number(text);
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw new BaseError(
      "CONFIG_INVALID_ANCHOR_GRACE",
      `--anchor-grace must be a whole number of seconds, got "${text}"`,
      {
        details: { value: text },
      },
    );
  }
  return seconds;
}

/** `--dev-chain`, else `GRIDLEDGER_DEV_CHAIN` (1/true/yes or 0/false/no), else off. */
export function resolveDevChain(flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag === true) return true;
  const text = (env.GRIDLEDGER_DEV_CHAIN ?? "").trim().toLowerCase();
  if (["1", "true", "yes"].includes(text)) return true;
  if (["", "0", "false", "no"].includes(text)) return false;
  throw new BaseError(
    "CONFIG_INVALID_DEV_CHAIN",
    `GRIDLEDGER_DEV_CHAIN must be 1 or 0, got "${env.GRIDLEDGER_DEV_CHAIN}"`,
    { details: { value: env.GRIDLEDGER_DEV_CHAIN } },
  );
}

/**
 * `--rpc-cors`, else `GRIDLEDGER_RPC_CORS`: comma-separated browser origins (`scheme://host[:port]`)
 * or `*`; none by default.
 */
export function resolveRpcCors(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const text = flag ?? (env.GRIDLEDGER_RPC_CORS || undefined);
  if (text === undefined) return [];
  const origins = text
    .split(",")
    .map((origin) => origin.trim())
    .filter((origin) => origin !== "");
  for (const origin of origins) {
    if (origin === "*") continue;
    let valid = false;
    try {
      const url = new URL(origin);
      valid = /^https?:$/.test(url.protocol) && url.origin === origin;
    } catch {
      valid = false;
    }
    if (!valid) {
      throw new BaseError(
        "CONFIG_INVALID_RPC_CORS",
        `--rpc-cors takes origins such as http://localhost:3000 (scheme, host and port, no path) or *, got "${origin}"`,
        { details: { value: origin } },
      );
    }
  }
  return origins;
}

/**
 * A whole-number setting from a flag or env var text, within `min`–`max`, else `fallback`; refused with
 * `code` naming the flag and the range (`range` words it, e.g. "0 to 3600 seconds (0 turns it off)").
 */
function wholeNumberSetting(
  text: string | undefined,
  o: { flag: string; fallback: number; min: number; max: number; code: string; range?: string },
): number {
  if (text === undefined) return o.fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < o.min || value > o.max) {
    const range = o.range ?? `a whole number from ${o.min} to ${o.max}`;
    throw new BaseError(o.code, `${o.flag} must be ${range}, got "${text}"`, {
      details: { flag: o.flag, value: text },
    });
  }
  return value;
}

/**
 * `--rate-limit` / `GRIDLEDGER_RATE_LIMIT`, `--readings-rate-limit` / `GRIDLEDGER_READINGS_RATE_LIMIT`
 * (requests per minute per client address) and `--request-timeout` / `GRIDLEDGER_REQUEST_TIMEOUT`
 * (seconds); 0 turns each off.
 */
export function resolveHttpLimits(flags: NodeFlags, env: NodeJS.ProcessEnv = process.env): HttpLimits {
  const perMinute = (flag: string, text: string | undefined, fallback: number) =>
    wholeNumberSetting(text, {
      flag,
      fallback,
      min: 0,
      max: 1_000_000,
      code: "CONFIG_INVALID_RATE_LIMIT",
      range: "0 to 1000000 requests per minute (0 turns it off)",
    });
  return {
    rateLimit: perMinute(
      "--rate-limit",
      flags.rateLimit ?? (env.GRIDLEDGER_RATE_LIMIT || undefined),
      defaults.rateLimit,
    ),
    readingsRateLimit: perMinute(
      "--readings-rate-limit",
      flags.readingsRateLimit ?? (env.GRIDLEDGER_READINGS_RATE_LIMIT || undefined),
      defaults.readingsRateLimit,
    ),
    requestTimeoutSeconds: wholeNumberSetting(
      flags.requestTimeout ?? (env.GRIDLEDGER_REQUEST_TIMEOUT || undefined),
      {
        flag: "--request-timeout",
        fallback: defaults.requestTimeoutSeconds,
        min: 0,
        max: 3600,
        code: "CONFIG_INVALID_REQUEST_TIMEOUT",
        range: "0 to 3600 seconds (0 turns it off)",
      },
    ),
  };
}

/** Resolves the node configuration: flag, then `GRIDLEDGER_*` / `DATABASE_URL` env var, then default. */
export function resolveNodeConfig(flags: NodeFlags, env: NodeJS.ProcessEnv = process.env): NodeConfig {
  const chainIdText = flags.chainId ?? env.GRIDLEDGER_CHAIN_ID;
  const chainId = chainIdText === undefined ? defaults.chainId : Number(chainIdText);
  if (!Number.isSafeInteger(chainId) || chainId <= 0) {
    throw new BaseError(
      "CONFIG_INVALID_CHAIN_ID",
      `--chain-id must be a positive integer, got "${chainIdText}"`,
      {
        details: { value: chainIdText },
      },
    );
  }
  const rpcUrl = flags.rpcUrl ?? (env.GRIDLEDGER_RPC_URL || undefined);
  if (rpcUrl !== undefined && !/^https?:\/\//.test(rpcUrl)) {
    throw new BaseError("CONFIG_INVALID_RPC_URL", `--rpc-url must be an http(s) URL, got "${rpcUrl}"`, {
      details: { value: rpcUrl },
    });
  }
  const mqttUrl = flags.mqttUrl ?? (env.GRIDLEDGER_MQTT_URL || undefined);
  if (mqttUrl !== undefined && !/^(mqtts?|wss?):\/\//.test(mqttUrl)) {
    throw new BaseError(
      "CONFIG_INVALID_MQTT_URL",
      `--mqtt-url must be an mqtt://, mqtts://, ws:// or wss:// URL, got "${mqttUrl}"`,
      {
        details: { value: mqttUrl },
      },
    );
  }
  const anchorGraceSeconds = resolveAnchorGrace(flags.anchorGrace, env);
  const workersText = flags.workers ?? (env.GRIDLEDGER_WORKERS || undefined);
  const workers = workersText === undefined ? defaults.workers : Number(workersText);
  if (!Number.isSafeInteger(workers) || workers < 0 || workers > 64) {
    throw new BaseError(
      "CONFIG_INVALID_WORKERS",
      `--workers must be a whole number from 0 to 64, got "${workersText}"`,
      {
        details: { value: workersText },
      },
    );
  }
  const confirmations = wholeNumberSetting(
    flags.confirmations ?? (env.GRIDLEDGER_CONFIRMATIONS || undefined),
    {
      flag: "--confirmations",
      fallback: defaults.confirmations,
      min: 0,
      max: 10_000,
      code: "CONFIG_INVALID_CONFIRMATIONS",
    },
  );
  const analyticsConfig = flags.analyticsConfig ?? (env.GRIDLEDGER_ANALYTICS_CONFIG || undefined);
  const dataDir = resolve(flags.dataDir ?? (env.GRIDLEDGER_DATA_DIR || defaults.dataDir));
  const remembered = (setting: PortSetting): PortSetting => ({
    ...setting,
    rememberIn: join(dataDir, "ports.json"),
  });
  return {
    dataDir,
    host: flags.host ?? (env.GRIDLEDGER_HOST || defaults.host),
    http: remembered(portSetting(flags.port, env.GRIDLEDGER_PORT, defaults.port, "--port")),
    rpc: remembered(portSetting(flags.rpcPort, env.GRIDLEDGER_RPC_PORT, defaults.rpcPort, "--rpc-port")),
    rpcUrl,
    databaseUrl: flags.databaseUrl ?? (env.DATABASE_URL || undefined),
    chainId,
    mqtt: remembered(portSetting(flags.mqttPort, env.GRIDLEDGER_MQTT_PORT, defaults.mqttPort, "--mqtt-port")),
    mqttUrl,
    anchorGraceSeconds,
    analyticsConfig: analyticsConfig === undefined ? undefined : resolve(analyticsConfig),
    workers,
    confirmations,
    devChain: resolveDevChain(flags.devChain, env),
    rpcHost: flags.rpcHost ?? (env.GRIDLEDGER_RPC_HOST || defaults.host),
    rpcCors: resolveRpcCors(flags.rpcCors, env),
    httpLimits: resolveHttpLimits(flags, env),
    mqttMaxPayload: wholeNumberSetting(
      flags.mqttMaxPayload ?? (env.GRIDLEDGER_MQTT_MAX_PAYLOAD || undefined),
      {
        flag: "--mqtt-max-payload",
        fallback: defaults.mqttMaxPayload,
        min: 1024,
        max: 16 * 1024 * 1024,
        code: "CONFIG_INVALID_LIMIT",
      },
    ),
    mqttMaxReadings: wholeNumberSetting(
      flags.mqttMaxReadings ?? (env.GRIDLEDGER_MQTT_MAX_READINGS || undefined),
      {
        flag: "--mqtt-max-readings",
        fallback: defaults.mqttMaxReadings,
        min: 1,
        max: 5000,
        code: "CONFIG_INVALID_LIMIT",
      },
    ),
    minGroupSize: wholeNumberSetting(flags.minGroupSize ?? (env.GRIDLEDGER_MIN_GROUP_SIZE || undefined), {
      flag: "--min-group-size",
      fallback: defaults.minGroupSize,
      min: 1,
      max: 1000,
      code: "CONFIG_INVALID_LIMIT",
    }),
  };
}
