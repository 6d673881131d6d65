import { expect, test } from "bun:test";
import { circleIdFromSecret } from "../../src/protocol/index.ts";
test("circle id of the reference secret", () => {
  expect(circleIdFromSecret("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")).toBe("630dcd2966c4336691125448");
});
