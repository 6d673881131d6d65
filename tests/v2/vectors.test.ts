// Replays every tests/vectors/v2-*.json file: each valid case's outputs are recomputed from its
// inputs and compared byte for byte; each invalid case must be refused with its stated reason.
import { describe, expect, test } from "bun:test";
import { FAMILIES } from "./vector-cases.ts";
import { loadV2 } from "./vector-inputs.ts";

for (const [name, family] of Object.entries(FAMILIES)) {
  const file = loadV2(`v2-${name}`);
  describe(`v2-${name}.json`, () => {
    test("the file has cases", () => {
      expect(file.valid.length).toBeGreaterThan(0);
    });
    for (const c of file.valid)
      test(`valid: ${c.name}`, () => {
        const { expect: want, ...input } = c;
        const got = family.compute(input);
        expect(got).toEqual(want);
        if (input.expect_reencoded) expect(got.reencoded_hex).toBe(input.expect_reencoded);
      });
    for (const c of file.invalid ?? [])
      test(`invalid: ${c.name}`, () => {
        expect(family.check!(c)).toBe(c.reason);
      });
  });
}
