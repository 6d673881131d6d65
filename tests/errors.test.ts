// One user error everywhere (issue 13): FelundError with a stable code (src/protocol/errors.ts).
// The tree holds no other error class for what a user did, every code it names is an
// ErrorCode, and each edge (the local API, the relay, the CLI) answers a bad input with its
// message and its code.
import { afterAll, describe, expect, test } from "bun:test";
import ts from "typescript";
import { Elysia } from "elysia";
import { createLocalApi } from "../src/node/local-api-elysia.ts";
import { FelundError } from "../src/protocol/errors.ts";
import { felund, removeTempDirs, tempDir } from "./cli/helpers.ts";
import { listSources, readSource } from "./import-graph.ts";
import { startNode } from "./node/helpers.ts";
import { makeRelay } from "./relay/helpers.ts";

const files = listSources(["src", "ui"]).map(readSource);

/** Error classes that are not a user's error, each with its reason. */
const NOT_USER_ERRORS: Record<string, string> = {
  FelundError: "the one user error itself",
  ProtocolError: "a peer's malformed frame (src/protocol/verdict.ts): it ends that peer's connection, no user did it",
  V2DecodeError: "a ProtocolError of the v2 codec: a peer's bad frame",
  ResponseTooLarge:
    "a relay's oversized answer (src/peer/capped-read.ts), which src/peer/relay/api.ts turns into E_UNREACHABLE",
};

describe("one error class", () => {
  test("no other class in src/ or ui/ extends Error (directly or through another)", () => {
    const bases = new Map<string, { base: string; where: string }>();
    for (const f of files)
      f.ast.forEachChild(function visit(n): void {
        if (ts.isClassLike(n) && n.name)
          for (const h of n.heritageClauses ?? [])
            if (h.token === ts.SyntaxKind.ExtendsKeyword)
              bases.set(n.name.text, {
                base: h.types[0]!.expression.getText(f.ast),
                where: `${f.path}:${f.ast.getLineAndCharacterOfPosition(n.getStart(f.ast)).line + 1}`,
              });
        n.forEachChild(visit);
      });
    const isError = (name: string, seen = new Set<string>()): boolean => {
      if (name === "Error") return true;
      const b = bases.get(name);
      if (!b || seen.has(name)) return false;
      seen.add(name);
      return isError(b.base, seen);
    };
    const errors = [...bases].filter(([name]) => isError(name));
    expect(errors.map(([name]) => name).sort()).toEqual(expect.arrayContaining(["FelundError", "ProtocolError"]));
    expect(errors.filter(([name]) => !(name in NOT_USER_ERRORS)).map(([name, b]) => `${b.where} ${name}`)).toEqual([]);
  });

  test("every E_ code named in src/ or ui/ is an ErrorCode", () => {
    const decl = files.find((f) => f.path === "src/protocol/errors.ts")!;
    const codes = new Set<string>();
    decl.ast.forEachChild((n) => {
      if (ts.isTypeAliasDeclaration(n) && n.name.text === "ErrorCode" && ts.isUnionTypeNode(n.type))
        for (const t of n.type.types)
          if (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal)) codes.add(t.literal.text);
    });
    expect(codes.size).toBeGreaterThan(10);
    const unknown: string[] = [];
    let used = 0;
    for (const f of files)
      f.ast.forEachChild(function visit(n): void {
        if ((ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) && /^E_[A-Z][A-Z_]*$/.test(n.text)) {
          used++;
          if (!codes.has(n.text))
            unknown.push(`${f.path}:${f.ast.getLineAndCharacterOfPosition(n.getStart(f.ast)).line + 1} ${n.text}`);
        }
        n.forEachChild(visit);
      });
    expect(used).toBeGreaterThan(50);
    expect(unknown).toEqual([]);
  });
});

describe("each edge answers a bad input with its code", () => {
  afterAll(removeTempDirs);

  test("the local API: a circle it does not know is 404 with E_UNKNOWN_CIRCLE", async () => {
    const node = await startNode("errors");
    try {
      const token = "c".repeat(64);
      const app = new Elysia().use(createLocalApi({ node, token, port: () => 48124 }));
      const r = await app.handle(
        new Request(`http://127.0.0.1:48124/api/circles/${"f".repeat(24)}/messages`, {
          headers: { host: "127.0.0.1:48124", authorization: `Bearer ${token}` },
        }),
      );
      expect(r.status).toBe(404);
      const body = (await r.json()) as { ok: boolean; code: string; error: string };
      expect(body).toMatchObject({ ok: false, code: "E_UNKNOWN_CIRCLE" });
      expect(body.error).toMatch(/unknown circle/);
    } finally {
      node.stop();
    }
  });

  test("the relay: a body over its limit is 413 with the original detail and E_TOO_LONG", async () => {
    const r = makeRelay({ maxBodyBytes: 1000 });
    const res = await r.call("POST", "/v1/messages", { circle_hint: "x", messages: ["y".repeat(2000)] });
    expect(res.status).toBe(413);
    expect(res.json).toEqual({ ok: false, detail: "Request body too large (max 1000 bytes)", code: "E_TOO_LONG" });
    const bad = await r.call("POST", "/v1/messages", "not json");
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ ok: false, detail: "Request body must be a JSON object", code: "E_BAD_INPUT" });
  });

  test("the CLI: a user error exits 1 with its message, a bad argument (E_USAGE) exits 2", async () => {
    const dir = tempDir();
    const send = await felund(dir, "send", "--circle-id", "f".repeat(24), "hi");
    expect(send.code).toBe(1);
    expect(send.stderr).toBe(`felund send: unknown circle: ${"f".repeat(24)}\n`);
    const arg = await felund(dir, "circles", "--nope");
    expect(arg.code).toBe(2);
    expect(arg.stderr).toBe(`felund circles: unknown option --nope for "circles" (see felund circles --help)\n`);
  }, 30_000);

  test("a FelundError's status is its code's unless given", () => {
    expect(new FelundError("E_UNKNOWN_CIRCLE", "x").status).toBe(404);
    expect(new FelundError("E_USAGE", "x").status).toBe(400);
    expect(new FelundError("E_UNREACHABLE", "x", 502).status).toBe(502);
  });
});
