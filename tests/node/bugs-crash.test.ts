// STYLE 5: bad input closes one connection; a bug in our own code is not swallowed. Bun
// routes exceptions from socket handlers to the `error` callback, so the node rethrows
// programmer errors from there; this checks they surface as uncaught exceptions.
import { expect, test } from "bun:test";
import { isBug } from "../../src/node/shell-ports.ts";
import { ProtocolError } from "../../src/protocol/verdict.ts";

test("programmer errors are bugs; protocol and network errors are not", () => {
  for (const e of [new TypeError("x"), new ReferenceError("x"), new RangeError("x")]) expect(isBug(e)).toBe(true);
  for (const e of [
    new ProtocolError("x"),
    new Error("ECONNRESET"),
    Object.assign(new Error("reset"), { code: "ECONNRESET" }),
  ])
    expect(isBug(e)).toBe(false);
});

test("a TypeError inside an exchange crashes the process loudly instead of leaving the connection hanging", async () => {
  // in a child process: bun test would attribute the uncaught exception to this test
  const p = Bun.spawn([process.execPath, new URL("./bug-fixture.ts", import.meta.url).pathname], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  expect(out).not.toContain("swallowed");
  expect(code).not.toBe(0);
  expect(err).toContain("TypeError: injected bug");
}, 15_000);
