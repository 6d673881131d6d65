// The layer rules of docs/ARCHITECTURE.md as tests over the import graph of src/, ui/ and db/
// (tests/import-graph.ts): protocol and sync are pure, peer is runtime-neutral, nothing
// imports upward, and there are no import cycles. Each failure lists its offenders.
import { describe, expect, test } from "bun:test";
import {
  cycles,
  type Edge,
  globalUses,
  isRuntimeSpecifier,
  listSources,
  loopThrough,
  packageOf,
  readSource,
} from "./import-graph.ts";

const files = listSources(["src", "ui", "db"]).map(readSource);
const imports = files.flatMap((f) => f.imports);

/** The layer a repository path belongs to: src/<folder>, db, ui/<folder>. */
const layerOf = (path: string) => /^(src\/[\w-]+|ui\/[\w-]+|db)\//.exec(path)?.[1] ?? path;
const show = (e: Edge) => `${e.from}:${e.line} imports ${e.to}${e.typeOnly ? " (type only)" : ""}`;
const inLayers = (...layers: string[]) => files.filter((f) => layers.includes(layerOf(f.path)));

/** The pure npm packages the runtime-neutral layers may use. */
const PURE_PACKAGES = /^@noble\//;

/** Globals that are a runtime, the DOM, a timer, the clock or randomness (injected in these layers). */
const RUNTIME_GLOBALS = ["document", "window", "navigator", "localStorage", "indexedDB", "process", "Bun", "Deno"];
const IMPURE_GLOBALS = [
  ...RUNTIME_GLOBALS,
  "WebSocket",
  "fetch",
  "setTimeout",
  "setInterval",
  "clearTimeout",
  "clearInterval",
  "performance",
  "Date.now",
  "Date()",
  "Math.random",
];

/** Which layers each layer may import (its own always). db is the node's store: it implements sync's port. */
const MAY_IMPORT: Record<string, string[]> = {
  "src/protocol": [],
  "src/sync": ["src/protocol"],
  "src/peer": ["src/protocol", "src/sync"],
  db: ["src/protocol", "src/sync", "src/peer"],
  "src/node": ["src/protocol", "src/sync", "src/peer", "db"],
  "src/relay": ["src/protocol", "src/sync", "src/peer", "db"],
  "src/cli": ["src/protocol", "src/sync", "src/peer", "src/node", "src/relay"],
  "ui/shared": ["src/protocol", "src/sync", "src/peer"],
  "ui/web": ["src/protocol", "src/sync", "src/peer", "ui/shared"],
  "ui/tui": ["src/protocol", "src/sync", "src/peer", "ui/shared"],
};

/** Imports across the layer rules on purpose, each with its reason (`from` a file, or a folder ending in "/"). */
const ALLOWED_EDGES: { from: string; to: string; why: string }[] = [
  {
    from: "src/node/web-static.ts",
    to: "ui/web/dist-info.ts",
    why: "the node serves the web build: where the bundle lands and whether it is stale (no build code in that file)",
  },
  {
    from: "src/cli/node-commands.ts",
    to: "ui/tui/main.ts",
    why: "`felund serve --tui` runs the terminal UI in the node's process",
  },
  ...["ui/shared/format.ts", "ui/shared/safe-text.ts", "ui/shared/member-text.ts"].map((to) => ({
    from: "src/cli/",
    to,
    why: "the CLI is the third front end: it prints times, names, peer text and the member list as the web and terminal UIs do",
  })),
];

const matches = (a: { from: string; to: string }, e: Edge) =>
  e.to === a.to && (a.from.endsWith("/") ? e.from.startsWith(a.from) : e.from === a.from);

const runtimeImports = (layers: string[]) =>
  inLayers(...layers)
    .flatMap((f) => f.imports)
    .filter((e) => !e.resolved && !e.spec.startsWith("."));

describe("pure layers", () => {
  test("src/protocol and src/sync import no runtime and no package but @noble/*", () => {
    const bad = runtimeImports(["src/protocol", "src/sync"]).filter(
      (e) => isRuntimeSpecifier(e.spec) || !PURE_PACKAGES.test(packageOf(e.spec)),
    );
    expect(bad.map(show)).toEqual([]);
  });

  test("src/protocol and src/sync use no DOM, runtime, timer, clock or randomness global", () => {
    const bad = inLayers("src/protocol", "src/sync").flatMap((f) =>
      globalUses(f, IMPURE_GLOBALS).map((u) => `${f.path}:${u.line} uses ${u.name}`),
    );
    expect(bad).toEqual([]);
  });

  test("src/peer imports only src/protocol, src/sync, src/peer and @noble/*", () => {
    const bad = inLayers("src/peer")
      .flatMap((f) => f.imports)
      .filter((e) =>
        e.resolved
          ? !["src/protocol", "src/sync", "src/peer"].includes(layerOf(e.to))
          : isRuntimeSpecifier(e.spec) || !PURE_PACKAGES.test(packageOf(e.spec)),
      );
    expect(bad.map(show)).toEqual([]);
  });

  test("src/peer uses no DOM or runtime global (timers and an injected fetch are its own)", () => {
    const bad = inLayers("src/peer").flatMap((f) =>
      globalUses(f, RUNTIME_GLOBALS).map((u) => `${f.path}:${u.line} uses ${u.name}`),
    );
    expect(bad).toEqual([]);
  });

  test("ui/shared and the web client's code import no runtime (they run in the browser too)", () => {
    const bad = imports.filter(
      (e) => /^(ui\/shared|ui\/web\/src)\//.test(e.from) && !e.resolved && isRuntimeSpecifier(e.spec),
    );
    expect(bad.map(show)).toEqual([]);
  });
});

describe("direction", () => {
  test("every relative import resolves to a file (so the graph misses nothing)", () => {
    expect(imports.filter((e) => !e.resolved && e.spec.startsWith(".")).map(show)).toEqual([]);
  });

  test("nothing imports upward or sideways across the layers", () => {
    const allowed = (e: Edge) => ALLOWED_EDGES.some((a) => matches(a, e));
    const bad = imports.filter((e) => {
      if (!e.resolved || !/\.tsx?$/.test(e.to)) return false;
      const from = layerOf(e.from);
      const to = layerOf(e.to);
      return from !== to && !MAY_IMPORT[from]?.includes(to) && !allowed(e);
    });
    expect(bad.map(show)).toEqual([]);
  });

  test("every listed exception is still an import", () => {
    const unused = ALLOWED_EDGES.filter((a) => !imports.some((e) => matches(a, e)));
    expect(unused.map((a) => `${a.from} -> ${a.to}`)).toEqual([]);
  });

  test("ui/web/dist-info.ts, which the node imports, has no build dependency", () => {
    const bad = imports.filter((e) => e.from === "ui/web/dist-info.ts" && !/^node:(fs|path)$/.test(e.spec));
    expect(bad.map(show)).toEqual([]);
  });
});

describe("cycles", () => {
  const graph = new Map<string, string[]>();
  for (const f of files)
    graph.set(
      f.path,
      f.imports.filter((e) => e.resolved && /\.tsx?$/.test(e.to)).map((e) => e.to),
    );
  const found = cycles([...graph.keys()], graph);

  test("no import cycles in src/, ui/, db/ (type-only imports count)", () => {
    const report = found.map(
      (scc) => `${loopThrough(scc, graph).join(" -> ")}${scc.length > 2 ? `   (all: ${scc.join(", ")})` : ""}`,
    );
    expect(report).toEqual([]);
  });
});

/** Issue 13: a file says one thing; past this it is two files. */
const MAX_LINES = 400;

test(`no file in src/ or ui/ is over ${MAX_LINES} lines`, () => {
  const long = files
    .filter((f) => /^(src|ui)\//.test(f.path))
    .map((f) => ({ path: f.path, lines: f.ast.getLineStarts().length - (f.ast.text.endsWith("\n") ? 1 : 0) }))
    .filter((f) => f.lines > MAX_LINES)
    .map((f) => `${f.path}: ${f.lines} lines`);
  expect(long).toEqual([]);
});
