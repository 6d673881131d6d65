// The whole tree type-checks (tsc --noEmit over src, ui, db, tests, bench): a type error is a
// bug that would otherwise only show at run time. And the runtime-neutral layers (src/protocol,
// src/sync, src/peer) type-check without the DOM and Bun types (tsconfig.core.json), so the
// compiler refuses a runtime global there, as tests/layers.test.ts does.
import { expect, test } from "bun:test";

const root = new URL("..", import.meta.url).pathname;

function tsc(project: string) {
  const r = Bun.spawnSync([process.execPath, "x", "tsc", "-p", project, "--noEmit"], {
    cwd: root,
    stdout: "pipe",
    stderr: "pipe",
  });
  const out = r.stdout.toString() + r.stderr.toString();
  expect(out.split("\n").filter((l) => l.includes("error TS"))).toEqual([]);
  expect(r.exitCode).toBe(0);
}

test("tsc --noEmit reports no errors", () => tsc(root), 120_000);

test(
  "tsc -p tsconfig.core.json (protocol, sync, peer: no DOM, no bun-types) reports no errors",
  () => tsc(`${root}tsconfig.core.json`),
  120_000,
);
