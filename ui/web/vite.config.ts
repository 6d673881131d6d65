// Vite build of the Solid web client: root ui/web, output ui/web/dist (gitignored). Only
// ui/web/src/**/*.tsx is compiled as Solid DOM JSX, so the OpenTUI preload never sees it.
// A small plugin writes the service worker with the list of files to precache. The protocol's
// crypto primitives resolve to their smaller browser build (src/protocol/primitives-web.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { defineConfig, type Plugin } from "vite";
import solid from "vite-plugin-solid";
import { solidLean } from "./solid-lean.ts";

const here = import.meta.dirname;

/**
 * Modules every page runs: the entry (main.tsx, which therefore awaits nothing at its top level:
 * the relay chunk imports this one, and a cycle through a top-level await never settles), its
 * static imports, Solid, and what lazy chunks share with them. One file fewer at first load.
 */
const APP_SHELL =
  /\/(ui\/web\/src\/(main|app|app-store|boot|components\/(input-bar|message-log|sidebar|status-line|top-bar|rich))\.tsx?|ui\/shared\/(backend|chat-store|chat-state|format|line|notify-saved)\.ts|src\/protocol\/limits\.ts|node_modules\/solid-js\/.*)$/;
/** the relay-only peer at start: storage, the shared relay client of src/peer/relay under its browser host, the v2 engine and its crypto */
const RELAY_CORE =
  /\/(ui\/web\/src\/relay\/(open|relay-backend|relay-client|mem-store|idb|saved|control-soon|sealed-soon|mac-soon)|src\/peer\/(member-list|heard|timeline|relay\/(api|sync|admissions)))\.ts$/;

/**
 * Vite wraps each dynamic import in a helper that first preloads the chunk's dependencies
 * with <link rel=modulepreload> tags (~0.8 KB gzip at first load). With modulePreload off and
 * one stylesheet for the whole app there is nothing for it to preload, so the helper is just
 * the import.
 */
function noPreloadHelper(): Plugin {
  return {
    name: "felund-no-preload-helper",
    enforce: "pre",
    apply: "build",
    load(id) {
      if (id === "\0vite/preload-helper.js") return "export const __vitePreload = (load) => load();";
    },
  };
}

/**
 * The authority and effects of control events (src/sync/v2-control-effects.ts) are not in the
 * relay-only browser's first load: the one static import of them, v2-apply.ts's, gets ui/web/src/
 * relay/control-soon.ts instead, which loads them (and the calls' registry) when the browser first
 * meets a control event. Its imports of sealed channels' code (v2-events.ts, channel-keys.ts) get
 * sealed-soon.ts, which loads it with the first channel key. Likewise its import of the v1 message module (for computeMac, which only
 * legacy circles use) gets mac-soon.ts, lent computeMac by the legacy chunk. Every other importer
 * (and the node, and the tests under Bun) gets the modules themselves.
 */
function controlSoon(): Plugin {
  return {
    name: "felund-control-soon",
    enforce: "pre",
    resolveId(source, importer) {
      if (!importer?.endsWith("/src/sync/v2-apply.ts")) return;
      if (source === "./v2-control-effects.ts") return join(here, "src", "relay", "control-soon.ts");
      if (source === "./v2-events.ts" || source === "../protocol/v2/channel-keys.ts")
        return join(here, "src", "relay", "sealed-soon.ts");
      if (source === "../protocol/message.ts") return join(here, "src", "relay", "mac-soon.ts");
    },
  };
}

function serviceWorker(): Plugin {
  return {
    name: "felund-sw",
    apply: "build",
    // after Vite's own: the single stylesheet (cssCodeSplit off) is emitted and the entry's empty
    // facade chunk removed only then; a list with a file that is not there fails the install
    enforce: "post",
    generateBundle(_opts, bundle) {
      const files = Object.keys(bundle)
        .filter((f) => f.startsWith("assets/"))
        .map((f) => "/" + f)
        .sort();
      const shell = ["/", "/manifest.webmanifest", "/icon.svg", "/icon-192.png", ...files];
      const version =
        files
          .map((f) => f.replace(/^.*-([\w-]{8})\.\w+$/, "$1"))
          .join("")
          .slice(0, 64) || String(Date.now());
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
  plugins: [
    noPreloadHelper(),
    controlSoon(),
    solidLean(),
    solid({ include: /ui\/web\/src\/.*\.tsx$/ }),
    serviceWorker(),
  ],
  resolve: {
    alias: [
      {
        find: /^(?:\.\.?\/)+(?:src\/protocol\/)?primitives\.ts$/,
        replacement: join(here, "..", "..", "src", "protocol", "primitives-web.ts"),
      },
    ],
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    assetsInlineLimit: 0,
    modulePreload: false,
    cssCodeSplit: false,
    reportCompressedSize: false,
    rolldownOptions: {
      // limits.ts lives in the app shell: without this, every bound a relay-side module names is
      // an import across chunks (a name exported here and imported there) instead of its number
      optimization: { inlineConst: true },
      output: {
        // Fewer, larger chunks for what a page loads at start (gzip does better on one file than
        // on several): the app shell both modes run, and the relay-only peer's core. Dialogs,
        // commands, calls, admission and owner actions stay chunks of their own, loaded on use.
        codeSplitting: {
          groups: [
            { name: "app", test: (id) => APP_SHELL.test(id) || id.includes("rolldown/runtime"), priority: 2 },
            { name: "relay", test: RELAY_CORE, priority: 1 },
          ],
        },
      },
    },
  },
});
