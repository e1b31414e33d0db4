// After `tsc -p tsconfig.build.json`: copies what tsc does not emit (SQL migrations, the plain-JS
// signature worker) into dist/ and stamps the build, so bin/gridledger.js knows dist/ is current.
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";

const src = new URL("../src/", import.meta.url);
const dist = new URL("../dist/", import.meta.url);
mkdirSync(new URL("db/migrations/", dist), { recursive: true });
for (const file of readdirSync(new URL("db/migrations/", src))) {
  copyFileSync(new URL(`db/migrations/${file}`, src), new URL(`db/migrations/${file}`, dist));
}
copyFileSync(new URL("metering/verifyWorker.js", src), new URL("metering/verifyWorker.js", dist));
writeFileSync(new URL(".built", dist), `${new Date().toISOString()}\n`);
