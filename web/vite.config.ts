import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/**
 * The dashboard's build: `npm run build:web` writes web/dist, which the node serves at `/`.
 * `npx vite --config web/vite.config.ts` serves it with hot reload and forwards the API to a node on
 * 127.0.0.1:8080 (`GRIDLEDGER_NODE_URL` for another).
 */
const nodeUrl = process.env.GRIDLEDGER_NODE_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("./dist", import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    proxy: { "/v1": nodeUrl, "/health": nodeUrl, "/openapi.json": nodeUrl },
  },
});
