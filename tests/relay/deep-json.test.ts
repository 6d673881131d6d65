// A body nested far deeper than any real one (100,000 levels) is a 400 with one log line on
// the relay and on the node's local API, not a 500 with a stack trace (JSON.stringify and
// the schema validators recurse). The depth scan itself (src/protocol/json-depth.ts).
import { afterAll, describe, expect, setDefaultTimeout, spyOn, test } from "bun:test";
import { Elysia } from "elysia";
import { jsonNestsDeeper } from "../../src/protocol/json-depth.ts";
import { JSON_BODY_DEPTH_MAX } from "../../src/protocol/limits.ts";
import { createLocalApi } from "../../src/node/local-api-elysia.ts";
import { startNode } from "../node/helpers.ts";
import { HINT, NODE_A, envelope, makeRelay } from "./helpers.ts";

setDefaultTimeout(30_000);
const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
const DEEP = deep(100_000);

function logged<T>(f: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const spy = spyOn(console, "error").mockImplementation(() => {});
  return f().then(
    (value) => {
      const lines = spy.mock.calls.map((c) => c.map(String).join(" "));
      spy.mockRestore();
      return { value, lines };
    },
    (e) => (spy.mockRestore(), Promise.reject(e)),
  );
}

describe("depth scan", () => {
  test("counts objects and arrays, not brackets inside strings", () => {
    expect(jsonNestsDeeper(deep(3), 3)).toBe(false);
    expect(jsonNestsDeeper(deep(4), 3)).toBe(true);
    expect(jsonNestsDeeper(`{"a":{"b":[1]}}`, 3)).toBe(false);
    expect(jsonNestsDeeper(`{"a":"[[[[{{{{\\"[[[["}`, 1)).toBe(false);
    expect(jsonNestsDeeper(`[[],[],[]]`, 2)).toBe(false);
  });
});

describe("relay", () => {
  const bodies = [
    ["/v1/messages", `{"circle_hint":"${HINT}","messages":[{"msg_id":"abcdefgh12345678","x":${DEEP}}]}`],
    ["/v1/messages", `{"circle_hint":"${HINT}","x":${DEEP}}`],
    ["/v1/messages", DEEP],
    ["/v1/register", `{"circle_hint":"${HINT}","node_id":"${NODE_A}","endpoints":${DEEP}}`],
    [
      "/v1/signal",
      `{"session_id":"s1234567","from_node_id":"${NODE_A}","to_node_id":"${NODE_A}","circle_hint":"${HINT}","type":"offer","payload":${DEEP}}`,
    ],
  ] as const;

  test("a deeply nested body is a 400 and one log line; nothing is stored and the relay goes on", async () => {
    const r = makeRelay({ rate: false });
    for (const [path, body] of bodies) {
      const { value: res, lines } = await logged(() => r.call("POST", path, body));
      expect(res.status).toBe(400);
      expect(res.json.detail).toBe(`Request body is nested too deeply (max ${JSON_BODY_DEPTH_MAX} levels)`);
      expect(lines).toHaveLength(1);
      expect(lines[0]!).toContain("nested deeper than");
      expect(lines[0]!.split("\n")).toHaveLength(1);
    }
    expect((await r.call("GET", `/v1/messages?circle_hint=${HINT}`)).json.messages).toHaveLength(0);
    // a real envelope, nested as deep as real ones, still goes through
    expect((await r.post(HINT, [envelope(undefined, { enc: { alg: "aes", nested: { a: [1, [2]] } } })])).status).toBe(
      200,
    );
  });
});

describe("local API", () => {
  const stops: (() => void)[] = [];
  afterAll(() => stops.forEach((s) => s()));

  test("a deeply nested body is a 400 and one log line", async () => {
    const node = await startNode("deep");
    stops.push(() => node.stop());
    const app = new Elysia().use(createLocalApi({ node, token: "t".repeat(64), port: () => 48124 }));
    const send = (path: string, body: string) =>
      app.handle(
        new Request(`http://127.0.0.1:48124${path}`, {
          method: "POST",
          body,
          headers: { host: "127.0.0.1:48124", authorization: `Bearer ${"t".repeat(64)}` },
        }),
      );
    for (const path of ["/api/settings", "/api/circles", "/api/circles/join"]) {
      const { value: res, lines } = await logged(() => send(path, `{"displayName":${DEEP}}`));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe(
        `request body is nested too deeply (max ${JSON_BODY_DEPTH_MAX} levels)`,
      );
      expect(lines).toHaveLength(1);
    }
    expect((await send("/api/settings", `{"displayName":"deep"}`)).status).toBe(200);
  });
});
