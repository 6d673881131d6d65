// Builds the web client with Vite into ui/web/dist. Run by `npm install` (postinstall) and,
// when the bundle is missing or older than its sources, by `felund serve` before it listens.
// Usage: bun ui/web/build.ts [--if-stale] [--optional]   (--optional: no error without vite)
import { mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { WEB_DIST, webBuildStale } from "./dist-info.ts";

const WEB = import.meta.dirname;
const LOCK = join(WEB, ".build-lock");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Build once even when several processes ask at the same time (a directory is the lock). */
export async function buildWeb(opts: { ifStale?: boolean } = {}): Promise<"built" | "fresh"> {
  for (let waited = 0; ; waited += 100) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // another build runs; a lock older than 2 minutes is left over from a crash
      const st = statSync(LOCK, { throwIfNoEntry: false });
      if (st && Date.now() - st.mtimeMs > 120_000) rmSync(LOCK, { recursive: true, force: true });
      if (waited > 120_000) throw new Error("timed out waiting for another web build");
      await sleep(100);
    }
  }
  try {
    if (opts.ifStale && !webBuildStale()) return "fresh";
    // Solid's dev build (with its warnings) is chosen by this condition, so pin production
    process.env.NODE_ENV = "production";
    const { build } = await import("vite");
    await build({ configFile: join(WEB, "vite.config.ts"), mode: "production", logLevel: "warn" });
    return "built";
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const ifStale = process.argv.includes("--if-stale");
  try {
    await import("vite");
  } catch {
    // an install without dev dependencies: the node still runs, without its web UI
    console.error("felund: vite is not installed, so the web client was not built (run npm install)");
    process.exit(process.argv.includes("--optional") ? 0 : 1);
  }
  const r = await buildWeb({ ifStale });
  if (r === "built") console.error(`felund: web client built into ${WEB_DIST}`);
}
