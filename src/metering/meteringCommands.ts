import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import type { Command } from "commander";
import type { Hex } from "viem";
import { clientOf } from "../cli/context.js";
import { answer } from "../cli/nodeApi.js";
import { output, printRecord, printTable } from "../cli/output.js";
import { BaseError } from "../core/errors.js";
import { parseTime } from "../core/parseTime.js";
import type { SignatureScheme } from "../registry/deviceTypes.js";
import { deviceKeyToPem, generateDeviceKey } from "./deviceKey.js";
import { encodeReading } from "./readingFormat.js";
import { checkProof, type ReadingProof } from "./readingProof.js";
import { verifySignature } from "./verifyWorker.js";

/** `device keygen`, `anchor`, `proof`, `verify`, `verify-proof`. */
export function registerMeteringCommands(program: Command): void {
  const device = program.commands.find((command) => command.name() === "device") ?? program.command("device");
  device
    .command("keygen")
    .description(
      "write a new device key pair: <name>.key (PKCS#8 PEM, owner-only) and <name>.pub (PEM), as OpenSSL would",
    )
    .option("--scheme <scheme>", "ed25519 or secp256k1", "ed25519")
    .option("--out <name>", "file name without extension", "device")
    .option("--force", "overwrite existing files")
    .action(async (options: { scheme: string; out: string; force?: boolean }, command: Command) => {
      const scheme = options.scheme.toLowerCase();
      if (scheme !== "ed25519" && scheme !== "secp256k1") {
        throw new BaseError(
          "DEVICE_KEY_INVALID",
          `--scheme must be ed25519 or secp256k1, got "${options.scheme}"`,
        );
      }
      const keyFile = `${options.out}.key`;
      const pubFile = `${options.out}.pub`;
      for (const file of [keyFile, pubFile]) {
        if (!options.force && existsSync(file)) {
          throw new BaseError("CLI_FILE_EXISTS", `${file} exists; choose another --out or pass --force`);
        }
      }
      const key = generateDeviceKey(scheme as SignatureScheme);
      const pem = deviceKeyToPem(key);
      await writeFile(keyFile, pem.privateKeyPem, { mode: 0o600 });
      await writeFile(pubFile, pem.publicKeyPem);
      const summary = {
        scheme,
        deviceId: key.deviceId.slice(2),
        publicKey: Buffer.from(key.publicKey).toString("hex"),
        privateKeyFile: keyFile,
        publicKeyFile: pubFile,
      };
      output(command.optsWithGlobals(), summary, () => {
        printRecord(summary);
        console.log(
          `Register it: gridledger device register --region <CODE> --kind consumption --public-key ${pubFile}`,
        );
      });
    });

  program
    .command("anchor")
    .description(
      "close every interval that has ended and anchor its batch roots on chain now (no grace period)",
    )
    .option("--region <codes>", "only these regions, comma-separated")
    .action(async (options: { region?: string }, command: Command) => {
      const { api, out } = clientOf(command);
      const round = answer(await api.client.POST("/v1/anchors", { body: { region: options.region } }));
      output(out, round, () => printRecord(round));
    });

  program
    .command("proof <deviceId> <seq>")
    .description("print the Merkle proof of a reading (JSON), to keep or to check with verify-proof")
    .action(async (deviceId: string, seq: string, _options: unknown, command: Command) => {
      const { api } = clientOf(command);
      const path = { deviceId, seq };
      const proof = answer(await api.client.GET("/v1/readings/{deviceId}/{seq}/proof", { params: { path } }));
      console.log(JSON.stringify(proof, null, 2));
    });

  program
    .command("verify")
    .description(
      "recompute every batch root from the stored readings, check every signature and compare with the chain; exit 1 on any mismatch",
    )
    .option("--region <codes>", "only these regions, comma-separated")
    .option("--from <time>", "intervals starting at or after (Unix seconds or ISO date)")
    .option("--to <time>", "intervals starting before (Unix seconds or ISO date)")
    .action(async (options: { region?: string; from?: string; to?: string }, command: Command) => {
      const { api, out } = clientOf(command);
      const report = answer(
        await api.client.GET("/v1/audit", {
          params: {
            query: {
              region: options.region,
              from: parseTime(options.from, "--from", "CLI_INVALID_TIME"),
              to: parseTime(options.to, "--to", "CLI_INVALID_TIME"),
            },
          },
        }),
      );
      output(out, report, () => {
        console.log(`${report.batches} batches, ${report.readings} readings checked`);
        if (report.findings.length === 0) console.log("every batch matches its readings and the chain");
        else
          printTable(report.findings, [
            "kind",
            "region",
            "commodity",
            "intervalStart",
            "part",
            "deviceId",
            "seq",
            "message",
          ]);
      });
      if (!report.ok) process.exitCode = 1;
    });

  program
    .command("verify-proof <file>")
    .description(
      "check a reading's proof file offline (leaf hash, audit path, batch key); with --rpc-url also the anchored root and the device's signature on chain",
    )
    .option("--rpc-url <url>", "EVM JSON-RPC endpoint to read the MeterAnchor and Registry from")
    .option(
      "--consortium <address>",
      "the consortium's Consortium contract: its MeterAnchor is the one to trust, not the address the proof names",
    )
    .action(async (file: string, options: { rpcUrl?: string; consortium?: string }, command: Command) => {
      let proof: ReadingProof;
      try {
        proof = JSON.parse(await readFile(file, "utf8")) as ReadingProof;
      } catch (cause) {
        throw new BaseError("CLI_PROOF_UNREADABLE", `${file} is not a readable JSON proof`, { cause });
      }
      const { problems, reading } = checkProof(proof);
      const checks: Record<string, string> = { proof: problems.length === 0 ? "ok" : "FAILED" };
      if (options.rpcUrl && reading) {
        problems.push(...(await checkOnChain(proof, reading, options.rpcUrl, options.consortium, checks)));
      }
      const result = { ok: problems.length === 0, onChain: !!options.rpcUrl, checks, problems };
      output(command.optsWithGlobals(), result, () => {
        printRecord(checks);
        for (const problem of problems) console.log(`problem: ${problem}`);
        if (!result.ok) console.log("NOT verified");
        else if (options.rpcUrl) console.log("verified");
        else
          console.log(
            "consistent offline; pass --rpc-url (and --consortium) to check the anchored root and the signature",
          );
      });
      if (!result.ok) process.exitCode = 1;
    });
}

async function checkOnChain(
  proof: ReadingProof,
  reading: NonNullable<ReturnType<typeof checkProof>["reading"]>,
  rpcUrl: string,
  consortium: string | undefined,
  checks: Record<string, string>,
): Promise<string[]> {
  const { createPublicClient, http } = await import("viem");
  const { consortiumAbi, meterAnchorAbi, registryAbi } = await import("../chain/artifacts/index.js");
  const { contractSpec } = await import("../chain/manifest.js");
  const { parseAddress } = await import("../registry/address.js");
  const problems: string[] = [];
  const client = createPublicClient({ transport: http(rpcUrl) });
  let address = proof.anchor.contract as Hex;
  if (consortium === undefined) {
    checks.contract = "taken from the proof (pass --consortium to pin it)";
  } else {
    address = await client.readContract({
      address: parseAddress(consortium, "--consortium"),
      abi: consortiumAbi,
      functionName: "service",
      args: [contractSpec("MeterAnchor").service as Hex],
    });
    const same = address.toLowerCase() === proof.anchor.contract.toLowerCase();
    checks.contract = same ? "ok" : "FAILED";
    if (!same)
      problems.push(
        `the proof names contract ${proof.anchor.contract}, the consortium's MeterAnchor is ${address}`,
      );
  }
  const [root, leafCount] = await client.readContract({
    address,
    abi: meterAnchorAbi,
    functionName: "anchorOf",
    args: [
      `0x${proof.batch.regionId.replace(/^0x/, "")}`,
      proof.batch.commodity,
      BigInt(proof.batch.intervalStart),
      proof.batch.part,
    ],
  });
  const rootMatches = root.toLowerCase() === `0x${proof.root.replace(/^0x/, "").toLowerCase()}`;
  checks.anchoredRoot = rootMatches ? "ok" : "FAILED";
  if (BigInt(root) === 0n) problems.push("the chain holds no anchor for this batch");
  else if (!rootMatches) problems.push(`the chain anchors root ${root}, not the proof's`);
  else if (leafCount !== proof.treeSize)
    problems.push(`the chain anchors ${leafCount} readings, the proof says ${proof.treeSize}`);
  const registry = await client.readContract({ address, abi: meterAnchorAbi, functionName: "registry" });
  const device = await client.readContract({
    address: registry,
    abi: registryAbi,
    functionName: "device",
    args: [reading.deviceId],
  });
  const signed = verifySignature(
    device.scheme,
    Buffer.from(device.publicKey.slice(2), "hex"),
    reading.signature,
    encodeReading(reading),
  );
  checks.signature = signed ? "ok" : "FAILED";
  if (!signed) problems.push("the signature does not verify with the device's registered public key");
  return problems;
}
