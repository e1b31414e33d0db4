import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import type { paths } from "../api/openapi.js";
import { clientOf } from "../cli/context.js";
import { answer } from "../cli/nodeApi.js";
import { output, printRecord, printTable } from "../cli/output.js";
import { BaseError } from "../core/errors.js";
import { printOutcome } from "../governance/governanceCommands.js";
import { checkDeviceText, type DeviceRequest } from "./deviceInput.js";
import { deviceKinds, energySources, signatureSchemes } from "./deviceTypes.js";
import { checkProposalText } from "./proposals.js";

/** The body of `POST /v1/devices`. */
type RegisterDevicesBody = paths["/v1/devices"]["post"]["requestBody"]["content"]["application/json"];
/** The body of `PATCH /v1/devices/{deviceId}`. */
type DeviceStatusBody =
  paths["/v1/devices/{deviceId}"]["patch"]["requestBody"]["content"]["application/json"];

/**
 * A `--public-key` value: a file holding hex or PEM, or the hex itself. A private key is refused here,
 * before anything is sent to the node; a value that is neither hex nor an existing file is named as a
 * missing file.
 */
function readKeyArgument(value: string): string {
  if (!existsSync(value)) {
    if (/^(0x)?[0-9a-fA-F]+$/.test(value.trim())) return value;
    throw new BaseError(
      "CLI_FILE_NOT_FOUND",
      `--public-key: file ${value} does not exist (give a file holding hex or PEM, or the hex itself)`,
      { details: { file: value } },
    );
  }
  const text = readFileSync(value, "utf8");
  refusePrivateKey(text, value);
  return text;
}

/** Refuses a private key (PEM) where a public one belongs, naming the file to use instead. */
function refusePrivateKey(text: string, where: string): void {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw new BaseError(
      "CLI_PRIVATE_KEY_GIVEN",
      `${where} holds a private key, which must never leave the device; nothing was sent. Give the public key: ` +
        "the .pub file that `gridledger device keygen` wrote, or `openssl pkey -in KEY -pubout -out KEY.pub`",
      { details: { file: where } },
    );
  }
}

/** Refuses a value outside a list before anything is sent, listing the allowed values. */
function checkChoice(flag: string, value: string | undefined, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value)) {
    throw new BaseError(
      "CLI_INVALID_CHOICE",
      `${flag} must be one of ${allowed.join(", ")}; got "${value}"`,
      {
        details: { flag, value, allowed },
      },
    );
  }
}

/** Reads a JSON array of device requests, refusing anything else with one clear line. */
function readDeviceFile(file: string): DeviceRequest[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw new BaseError("CLI_INVALID_FILE", `${file} is not readable JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (!Array.isArray(parsed)) {
    throw new BaseError("CLI_INVALID_FILE", `${file} must hold a JSON array of devices`);
  }
  return parsed as DeviceRequest[];
}

/** `gridledger region|org|device …`. */
export function registerRegistryCommands(program: Command): void {
  const region = program.command("region").description("regions (provinces) and their operators");
  region
    .command("add")
    .description("propose approving a region; with a single seat it takes effect at once")
    .requiredOption("--code <code>", "region code, e.g. CN-GD")
    .requiredOption("--name-zh <name>", "Chinese name, e.g. 广东省")
    .requiredOption("--name-en <name>", "English name, e.g. Guangdong")
    .option("--operator <address>", "operator organisation (default: this node's)")
    .option("--interval <seconds>", "metering interval in seconds", "900")
    .option("--description <text>", "proposal description")
    .action(async (o, command: Command) => {
      const { api, out } = clientOf(command);
      const body = {
        code: o.code,
        nameZh: o.nameZh,
        nameEn: o.nameEn,
        operator: o.operator,
        intervalSeconds: Number(o.interval),
        description: o.description,
      };
      checkProposalText(body);
      const result = answer(await api.client.POST("/v1/regions", { body }));
      output(out, result, () => printOutcome(result, `region ${String(o.code).toUpperCase()} approved`));
    });
  region
    .command("update <code>")
    .description(
      "propose changing a region's names or operator (its metering interval never changes); with a single seat it takes effect at once",
    )
    .option("--name-zh <name>", "new Chinese name")
    .option("--name-en <name>", "new English name")
    .option("--operator <address>", "new operator organisation (holding the region-operator role)")
    .option("--description <text>", "proposal description")
    .action(async (code: string, o, command: Command) => {
      const { api, out } = clientOf(command);
      const body = { nameZh: o.nameZh, nameEn: o.nameEn, operator: o.operator, description: o.description };
      checkProposalText({ code, ...body });
      const result = answer(
        await api.client.PATCH("/v1/regions/{region}", { params: { path: { region: code } }, body }),
      );
      output(out, result, () => printOutcome(result, `region ${code.toUpperCase()} updated`));
    });
  region
    .command("list")
    .description("list regions")
    .option("--search <text>", "part of a code or Chinese or English name")
    .action(async (o, command: Command) => {
      const { api, out } = clientOf(command);
      const { regions } = answer(
        await api.client.GET("/v1/regions", { params: { query: { search: o.search } } }),
      );
      output(out, regions, () =>
        printTable(regions, ["code", "nameZh", "nameEn", "operator", "intervalSeconds"], "(no regions)"),
      );
    });
  region
    .command("show <code>")
    .description("show one region")
    .action(async (code: string, _o, command: Command) => {
      const { api, out } = clientOf(command);
      const found = answer(
        await api.client.GET("/v1/regions/{region}", { params: { path: { region: code } } }),
      );
      output(out, found, () => printRecord(found));
    });

  const org = program.command("org").description("member organisations of the consortium");
  org
    .command("list")
    .description("list member organisations")
    .option("--all", "include removed members")
    .action(async (o, command: Command) => {
      const { api, out } = clientOf(command);
      const { organisations } = answer(
        await api.client.GET("/v1/organisations", { params: { query: { all: o.all ? true : undefined } } }),
      );
      output(out, organisations, () =>
        printTable(organisations, ["address", "name", "roles", "seat", "active"]),
      );
    });
  org
    .command("show <address>")
    .description("show one organisation")
    .action(async (address: string, _o, command: Command) => {
      const { api, out } = clientOf(command);
      const found = answer(
        await api.client.GET("/v1/organisations/{address}", { params: { path: { address } } }),
      );
      output(out, found, () => printRecord(found));
    });

  const device = program.command("device").description("metering devices and their public keys");
  device
    .command("register")
    .description("register a device (or many from --file) and print its deviceId")
    .option("--region <code>", "region code, e.g. CN-GD")
    .option("--kind <kind>", "consumption, generation, bidirectional, ev-charger, storage or feeder")
    .option("--scheme <scheme>", "ed25519 or secp256k1", "ed25519")
    .option("--public-key <key>", "public key as hex, or a file holding hex or PEM")
    .option(
      "--source <source>",
      "energy source of a generator: solar, wind, hydro, coal, gas, nuclear, biomass, other",
    )
    .option("--capacity-w <watts>", "rated capacity in W")
    .option("--owner <address>", "owner organisation (default: this node's)")
    .option("--community <address>", "community organisation the device belongs to")
    .option(
      "--file <file>",
      "JSON array of devices ({region, kind, scheme, publicKey, source, capacityW, owner, community})",
    )
    .action(async (o, command: Command) => {
      const { api, out } = clientOf(command);
      let devices: DeviceRequest[];
      if (o.file) {
        devices = readDeviceFile(o.file);
        devices.forEach((d, i) => {
          if (typeof d?.publicKey === "string") refusePrivateKey(d.publicKey, `${o.file} (device ${i})`);
        });
      } else {
        checkChoice("--kind", o.kind, Object.keys(deviceKinds));
        checkChoice("--scheme", o.scheme, Object.keys(signatureSchemes));
        checkChoice("--source", o.source, Object.keys(energySources));
        for (const flag of ["region", "kind", "publicKey"] as const) {
          if (!o[flag])
            command.error(
              `error: --${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is required (or give --file)`,
            );
        }
        devices = [
          {
            region: o.region,
            kind: o.kind,
            scheme: o.scheme,
            publicKey: readKeyArgument(o.publicKey),
            source: o.source,
            capacityW: o.capacityW,
            owner: o.owner,
            community: o.community,
          },
        ];
      }
      for (const [index, d] of devices.entries()) {
        try {
          checkDeviceText(d);
        } catch (error) {
          if (!(error instanceof BaseError) || devices.length === 1) throw error;
          throw new BaseError(error.code, `device ${index}: ${error.message}`, { details: error.details });
        }
      }
      // Sent as the user gave them (kinds, sources unchecked here): the node refuses a bad value by its code.
      const body = { devices: devices as RegisterDevicesBody["devices"] };
      const result = answer(await api.client.POST("/v1/devices", { body }));
      output(out, result, () => {
        for (const id of result.deviceIds) console.log(id);
      });
    });
  device
    .command("list")
    .description("list registered devices")
    .option("--region <code>", "only this region")
    .option("--owner <address>", "only this owner")
    .option("--community <address>", "only this community")
    .option("--status <status>", "only this status: active, suspended, retired or pending")
    .option("--limit <n>", "at most this many", "100")
    .option("--offset <n>", "skip this many", "0")
    .action(async (o, command: Command) => {
      const { api, out } = clientOf(command);
      const query = {
        region: o.region,
        owner: o.owner,
        community: o.community,
        status: o.status,
        limit: o.limit,
        offset: o.offset,
      };
      const page = answer(await api.client.GET("/v1/devices", { params: { query } }));
      output(out, page, () => {
        printTable(
          page.devices,
          ["deviceId", "region", "kind", "source", "capacityW", "status", "owner"],
          "(no devices)",
        );
        if (page.total > page.devices.length)
          console.log(`(${page.devices.length} of ${page.total}; use --offset)`);
      });
    });
  device
    .command("show <deviceId>")
    .description("show one device")
    .action(async (id: string, _o, command: Command) => {
      const { api, out } = clientOf(command);
      const found = answer(
        await api.client.GET("/v1/devices/{deviceId}", { params: { path: { deviceId: id } } }),
      );
      output(out, found, () => printRecord(found));
    });
  device
    .command("approve <deviceIds...>")
    .description("approve pending devices of a region this node operates (they become active)")
    .action(async (ids: string[], _o, command: Command) => {
      const { api, out } = clientOf(command);
      const result = answer(await api.client.POST("/v1/devices/approvals", { body: { deviceIds: ids } }));
      output(out, result, () =>
        console.log(`approved ${result.deviceIds.length} device(s) (tx ${result.txHash})`),
      );
    });
  device
    .command("status <deviceId> <status>")
    .description("set a device's status: active, suspended or retired (final)")
    .action(async (id: string, status: string, _o, command: Command) => {
      const { api, out } = clientOf(command);
      // Sent as given: the node refuses a status outside the three by its code.
      const body = { status: status as DeviceStatusBody["status"] };
      const result = answer(
        await api.client.PATCH("/v1/devices/{deviceId}", { params: { path: { deviceId: id } }, body }),
      );
      output(out, result, () => printRecord(result));
    });
}
