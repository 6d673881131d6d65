// Builds felund as one executable (`npm run build:bin`): `bun build --compile` of the CLI with
// the web client (ui/web/dist, built first when stale) and the migrations (drizzle/) embedded,
// so the file runs on a machine with no checkout, Node or npm. The program finds them at
// /$bunfs/root/dist and /$bunfs/root/drizzle (ui/web/dist-info.ts, db/sqlite.ts).
//
// Usage: bun src/cli/build-bin.ts [--arm64] [--outfile PATH]
//   default output dist/felund (linux-x64, the machine's own Bun runtime);
//   --arm64: dist/felund-linux-arm64. Bun downloads its linux-aarch64 runtime for that once
//   (about 50 MB, cached), so it needs the network once; the terminal UI's native renderer for
//   arm64 is not installed here, so that binary runs everything but `--tui`, and it has no
//   bytecode (slower start). Untested here: this machine cannot run arm64 code.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");

export interface BinBuild {
  outfile: string;
  target: "linux-x64" | "linux-arm64";
}

/** The `bun build` arguments for one target. */
export function compileArgs(b: BinBuild): string[] {
  const external = [
    "@opentui/core-linux-x64-musl",
    "@opentui/core-linux-arm64-musl",
    ...(b.target === "linux-arm64" ? ["@opentui/core-linux-arm64"] : []),
  ];
  return [
    "build",
    "--compile",
    // minified, with bytecode: `felund --version` starts in ~20 ms instead of ~100 ms. The
    // bytecode is made by this machine's engine, so only for its own architecture.
    "--minify",
    ...(b.target === `linux-${process.arch}` ? ["--bytecode"] : []),
    "--format=esm",
    `--target=bun-${b.target}`,
    "--no-compile-autoload-dotenv",
    "--no-compile-autoload-bunfig",
    `--outfile=${b.outfile}`,
    "--asset=ui/web/dist",
    "--asset=drizzle",
    ...external.map((e) => `--external=${e}`),
    "src/cli/main.ts",
    // the signature checks' worker (src/node/verify-pool.ts WORKER_SCRIPT: node/verify-worker.js in the executable)
    "src/node/verify-worker.ts",
  ];
}

function run(args: string[]): void {
  const r = Bun.spawnSync([process.execPath, ...args], { cwd: ROOT, stdout: "inherit", stderr: "inherit" });
  if (r.exitCode !== 0) throw new Error(`bun ${args.join(" ")} exited ${r.exitCode}`);
}

export function buildBin(b: BinBuild): void {
  run(["ui/web/build.ts", "--if-stale"]);
  mkdirSync(dirname(b.outfile), { recursive: true });
  run(compileArgs(b));
}

if (import.meta.main) {
  const argv = process.argv.slice(2);
  const arm = argv.includes("--arm64");
  const i = argv.indexOf("--outfile");
  const outfile = i >= 0 && argv[i + 1] ? argv[i + 1]! : join(ROOT, "dist", arm ? "felund-linux-arm64" : "felund");
  buildBin({ outfile, target: arm ? "linux-arm64" : "linux-x64" });
  console.error(`felund: built ${outfile} (${(Bun.file(outfile).size / 1024 / 1024).toFixed(0)} MB)`);
}
