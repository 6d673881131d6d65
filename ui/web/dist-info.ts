// Where the web client's build lands and whether it is stale: all the node's HTTP side
// (src/node/web-static.ts) needs of the build, without loading the build script or Vite.
// build.ts (the build itself) imports it too.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const WEB = import.meta.dirname;
const ROOT = join(WEB, "..", "..");
/**
 * Running as the single executable (`npm run build:bin`): the bundle is embedded as
 * /$bunfs/root/dist, and there are no sources to rebuild it from.
 */
export const WEB_EMBEDDED = WEB.startsWith("/$bunfs/");
export const WEB_DIST = WEB_EMBEDDED ? "/$bunfs/root/dist" : join(WEB, "dist");
/** The build script, for a server that runs it in a child process. */
export const WEB_BUILD_SCRIPT = join(WEB, "build.ts");

/** Everything that ends up in the bundle. */
const SOURCES = [
  join(WEB, "src"),
  join(WEB, "public"),
  join(WEB, "index.html"),
  join(WEB, "sw.js"),
  join(WEB, "vite.config.ts"),
  join(ROOT, "ui", "shared"),
  join(ROOT, "src", "protocol"),
  join(ROOT, "src", "sync"),
  join(ROOT, "src", "peer"),
];

function newest(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of readdirSync(p)) m = Math.max(m, newest(join(p, e)));
  return m;
}

/** True when dist/ is missing or older than any source file. */
export function webBuildStale(): boolean {
  if (WEB_EMBEDDED) return false;
  const index = join(WEB_DIST, "index.html");
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return SOURCES.some((s) => newest(s) > built);
}
