// The whole tree type-checks (tsc --noEmit over src, ui, db, tests, bench): a type error is a
// bug that would otherwise only show at run time.
import { expect, test } from "bun:test";

test("tsc --noEmit reports no errors", () => {
  const root = new URL("..", import.meta.url).pathname;
  const r = Bun.spawnSync([process.execPath, "x", "tsc", "-p", root, "--noEmit"], {
    cwd: root,
    stdout: "pipe",
    stderr: "pipe",
  });
  const out = r.stdout.toString() + r.stderr.toString();
  expect(out.split("\n").filter((l) => l.includes("error TS"))).toEqual([]);
  expect(r.exitCode).toBe(0);
}, 120_000);
