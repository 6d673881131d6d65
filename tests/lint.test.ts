// The tree is formatted and lint-clean by Biome (biome.jsonc: line width 120, the recommended
// rules less the house-style exceptions listed there). `npx biome check --write .` fixes most.
import { expect, test } from "bun:test";

test("biome ci (formatter and linter) reports nothing", () => {
  const root = new URL("..", import.meta.url).pathname;
  const bin = `${root}node_modules/@biomejs/biome/bin/biome`;
  const r = Bun.spawnSync([process.execPath, bin, "ci", "--colors=off", "--max-diagnostics=50", "."], {
    cwd: root,
    stdout: "pipe",
    stderr: "pipe",
  });
  const out = r.stdout.toString() + r.stderr.toString();
  const problems = out.split("\n").filter((l) => /^\S+:\d+:\d+ |^\S+\.(ts|tsx) format /.test(l));
  expect(problems).toEqual([]);
  expect(r.exitCode).toBe(0);
}, 60_000);
