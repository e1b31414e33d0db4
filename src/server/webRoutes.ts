import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

/** Where `npm run build:web` writes the dashboard: `web/dist` at the repository root. */
export const defaultWebDir = fileURLToPath(new URL("../../web/dist/", import.meta.url));

const notBuiltPage = (webDir: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GridLedger dashboard not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>The dashboard is not built</h1>
<p>This node serves its web dashboard from <code>${webDir}</code>, which has no <code>index.html</code>.
Build it with <code>npm run build:web</code> (<code>npm start</code> does it first) and restart the node.</p>
<p>控制台尚未构建：请运行 <code>npm run build:web</code> 后重启节点。</p>
<p>The HTTP API is up: <a href="/health">/health</a>, <a href="/openapi.json">/openapi.json</a>.</p>
</body></html>`;

/**
 * Serves the web dashboard (the Vite build in `web/dist`) at `/`: `index.html` never cached, the
 * content-hashed files under `assets/` cached for a year. One route per file that exists when the
 * node starts (no wildcard), so `/v1/*`, `/health` and `/openapi.json` keep their own 404s. Without a
 * build, `/` answers 503 with a page saying how to build it.
 */
export async function registerWebRoutes(
  app: FastifyInstance,
  options: { webDir?: string } = {},
): Promise<void> {
  const webDir = options.webDir ?? defaultWebDir;
  if (!existsSync(`${webDir}/index.html`)) {
    app.get("/", { schema: { hide: true }, config: { permission: "docs.read" } }, async (_request, reply) =>
      reply.status(503).type("text/html; charset=utf-8").send(notBuiltPage(webDir)),
    );
    return;
  }
  // @fastify/static takes no route config: its routes get the dashboard's permission here.
  await app.register(async (scope) => {
    scope.addHook("onRoute", (route) => {
      route.config = { ...route.config, permission: "docs.read" };
    });
    await scope.register(fastifyStatic, {
      root: webDir,
      prefix: "/",
      wildcard: false,
      index: ["index.html"],
      cacheControl: false,
      setHeaders(reply, path) {
        reply.header(
          "cache-control",
          /[\\/]assets[\\/]/.test(path) ? "public, max-age=31536000, immutable" : "no-cache",
        );
      },
    });
  });
}
