// The single executable for the tests, built once per source state: `bun build --compile`
// (src/cli/build-bin.ts) takes a few seconds, so the binary is kept in the temp dir under a
// hash of everything that goes into it and rebuilt only when one of those files changes.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBin } from "../../src/cli/build-bin.ts";
import { ROOT } from "./helpers.ts";

const INPUTS = ["src", "db", "drizzle", "ui/shared", "ui/tui", "ui/web/dist", "package.json"];

function hashTree(h: ReturnType<typeof createHash>, p: string): void {
  const st = statSync(p);
  if (!st.isDirectory()) {
    h.update(p.slice(ROOT.length)).update("\0").update(readFileSync(p)).update("\0");
    return;
  }
  for (const e of readdirSync(p).sort()) hashTree(h, join(p, e));
}

/** The path of a `felund` binary built from the current sources. */
export function builtBinary(): string {
  // the web bundle first: the binary embeds it, and the hash covers it
  const web = Bun.spawnSync([process.execPath, "ui/web/build.ts", "--if-stale"], { cwd: ROOT, stderr: "pipe" });
  if (web.exitCode !== 0) throw new Error(`web build failed: ${web.stderr.toString()}`);
  const h = createHash("sha256");
  for (const i of INPUTS) hashTree(h, join(ROOT, i));
  const dir = join(tmpdir(), "felund-bin-cache", h.digest("hex").slice(0, 16));
  const bin = join(dir, "felund");
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const part = join(dir, `felund.${process.pid}.part`);
  buildBin({ outfile: part, target: "linux-x64" });
  renameSync(part, bin); // whole or absent, when two test files build at once
  // binaries of older sources (133 MB each) go, unless one may be in use right now
  const cache = join(tmpdir(), "felund-bin-cache");
  for (const old of readdirSync(cache))
    if (join(cache, old) !== dir && Date.now() - statSync(join(cache, old)).mtimeMs > 3_600_000)
      rmSync(join(cache, old), { recursive: true, force: true });
  return bin;
}
