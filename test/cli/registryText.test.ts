import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "../helpers/cli.js";

// Nothing listens on port 9: a command that sent its request would fail with CLI_NODE_UNREACHABLE, so
// TEXT_INVALID shows the CLI refused the text before sending anything.
const nowhere = ["--node", "http://127.0.0.1:9"];

describe("the CLI refuses text with control characters before sending anything", () => {
  let dir: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => dir.cleanup());

  const refusals: [string, string[], RegExp][] = [
    [
      "a region name with a bell character",
      ["region", "add", "--code", "CN-ZZ", "--name-zh", "a\u0007b", "--name-en", "Z"],
      /^error: nameZh contains the control character U\+0007 at position 1 \[TEXT_INVALID\]$/,
    ],
    [
      "a region update whose English name hides text with a carriage return",
      ["region", "update", "CN-GD", "--name-en", "Canton\rGuangdong"],
      /^error: nameEn contains the control character U\+000D at position 6 \[TEXT_INVALID\]$/,
    ],
    [
      "an organisation name with an escape sequence",
      ["gov", "propose", "admit-member", "--address", `0x${"aa".repeat(20)}`, "--name", "\u001b[31mX"],
      /^error: name contains the control character U\+001B at position 0 \[TEXT_INVALID\]$/,
    ],
    [
      "a proposal description with a backspace (line breaks are allowed)",
      ["gov", "propose", "set-parameter", "--name", "fee", "--value", "1", "--description", "line\nnext\b"],
      /^error: description contains the control character U\+0008 at position 9 \[TEXT_INVALID\]$/,
    ],
  ];

  it.each(refusals)("refuses %s", async (_what, args, message) => {
    const result = await runCli([...nowhere, "--data-dir", dir.dir, ...args]);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim()).toMatch(message);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("refuses a device file holding a NUL in a field, naming the device", async () => {
    const file = join(dir.dir, "devices.json");
    await writeFile(
      file,
      JSON.stringify([
        { region: "CN-GD", kind: "consumption", publicKey: "ab".repeat(32) },
        { region: "CN-GD\u0000", kind: "consumption", publicKey: "cd".repeat(32) },
      ]),
    );
    const result = await runCli([...nowhere, "--data-dir", dir.dir, "device", "register", "--file", file]);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim()).toBe(
      "error: device 1: region contains the control character U+0000 at position 5 [TEXT_INVALID]",
    );
  });
});
