// ui/web/solid-lean.ts compiles Solid's transitions, scheduler and external sources out of the web
// build. This runs the patched solid.js (the very text the build ships) and checks that the
// reactive core still works, that the functions which would need what was compiled out say so,
// and that the edits remove code (what the bundle figures in bench/bundle.ts are after).
import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { leanSolid } from "../../ui/web/solid-lean.ts";

const SOLID = join(import.meta.dir, "..", "..", "node_modules", "solid-js", "dist", "solid.js");

test("the patched solid.js keeps signals, memos, effects and batches working; transitions and scheduling throw", async () => {
  const original = readFileSync(SOLID, "utf8");
  const patched = leanSolid(original);
  expect(patched).toContain("const Transition = null;");
  expect(patched).not.toContain("Transition = {");
  const dir = mkdtempSync(join(tmpdir(), "solid-lean-"));
  try {
    writeFileSync(join(dir, "solid.mjs"), patched);
    const s = await import(join(dir, "solid.mjs"));
    const seen: number[] = [];
    const [count, setCount] = s.createRoot(() => {
      const [count, setCount] = s.createSignal(1);
      const double = s.createMemo(() => count() * 2);
      s.createComputed(() => seen.push(double()));
      return [count, setCount];
    });
    setCount(2);
    s.batch(() => {
      setCount(3);
      setCount(4);
    });
    expect(count()).toBe(4);
    expect(seen).toEqual([2, 4, 8]);
    expect(() => s.enableScheduling()).toThrow("enableScheduling is compiled out");
    expect(() => s.enableExternalSource(() => ({}))).toThrow("enableExternalSource is compiled out");
    // without Suspense or a scheduler, a transition runs its function and starts nothing, as before
    let ran = false;
    await s.startTransition(() => {
      ran = true;
    });
    expect(ran).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an edit that no longer matches solid.js fails the build instead of half-patching it", () => {
  expect(() => leanSolid("let Transition = null;")).toThrow("expected exactly one");
});
