// The node's --debug log prints what peers said (a CLOSE reason, an ERROR text) to the
// terminal: every line goes through the one sanitizer, so no escape sequence reaches it.
import { afterEach, expect, test } from "bun:test";
import type { FelundNode } from "../../src/node/node.ts";
import { startNode } from "./helpers.ts";

let node: FelundNode | null = null;
afterEach(() => {
  node?.stop();
  node = null;
});

test("a peer's words in the debug log are inert: no ESC, no BEL, newlines marked", async () => {
  node = await startNode("logger", { debug: true });
  const printed: string[] = [];
  const orig = console.error;
  console.error = (...a: unknown[]) => {
    printed.push(a.map(String).join(" "));
  };
  try {
    node.log("peer error: \x1b]52;c;ZWNobyBwd25lZA==\x07 fake\r\n\x1b[2Kalice: hi");
  } finally {
    console.error = orig;
  }
  expect(printed.length).toBe(1);
  expect(printed[0]).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  expect(printed[0]).not.toContain("\n");
  expect(printed[0]).toContain("⏎");
});
