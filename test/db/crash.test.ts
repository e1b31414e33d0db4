import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.js";
import { tempDir } from "../helpers/cli.js";

const fixture = resolve(import.meta.dirname, "fixtures/insertForever.ts");

describe("the embedded database under kill -9", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it("keeps every row it acknowledged when its process is killed mid-stream", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const child = spawn(process.execPath, ["--import", "tsx", fixture, dir], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let acked = 0;
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise((done) => child.once("exit", done));
    await new Promise<void>((done, fail) => {
      child.stdout.on("data", (chunk: Buffer) => {
        const last = /acked (\d+)\n(?![\s\S]*acked)/.exec(chunk.toString());
        if (last) acked = Number(last[1]);
        if (acked >= 300 && child.exitCode === null) {
          child.kill("SIGKILL");
          done();
        }
      });
      child.once("exit", () => fail(new Error(`writer exited before it was killed: ${stderr}`)));
    });
    await exited;

    // The dead writer's lock is stale and taken over.
    const db = await openDatabase({ dataDir: dir });
    const { rows } = await db.query<{ n: number }>("select n from acked order by n");
    await db.close();
    expect(rows.length).toBeGreaterThanOrEqual(acked);
    expect(rows.slice(0, acked).map((r) => r.n)).toEqual(Array.from({ length: acked }, (_, i) => i + 1));
  });
});
