// Vite build of the Solid web client: root ui/web, output ui/web/dist (gitignored). Only
// ui/web/src/**/*.tsx is compiled as Solid DOM JSX, so the OpenTUI preload never sees it.
// A small plugin writes the service worker with the list of files to precache.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { defineConfig, type Plugin } from "vite";
import solid from "vite-plugin-solid";

const here = import.meta.dirname;

function serviceWorker(): Plugin {
  return {
    name: "felund-sw",
    apply: "build",
    generateBundle(_opts, bundle) {
      const files = Object.keys(bundle).filter((f) => f.startsWith("assets/")).map((f) => "/" + f).sort();
      const shell = ["/", "/manifest.webmanifest", "/icon.svg", "/icon-192.png", ...files];
      const version = files.map((f) => f.replace(/^.*-([\w-]{8})\.\w+$/, "$1")).join("").slice(0, 64) || String(Date.now());
      const src = readFileSync(join(here, "sw.js"), "utf8")
        .replace("__VERSION__", JSON.stringify(version))
        .replace("__SHELL__", JSON.stringify(shell));
      this.emitFile({ type: "asset", fileName: "sw.js", source: src });
    },
  };
}

export default defineConfig({
  root: here,
  base: "/",
  logLevel: "warn",
  plugins: [solid({ include: /ui\/web\/src\/.*\.tsx$/ }), serviceWorker()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
