// Writes tests/vectors/v2-<family>.json from vector-cases.ts. Run once (bun tests/v2/gen-vectors.ts)
// when a construction changes on purpose; the committed files are then the contract.
import { writeFileSync } from "node:fs";
import { FAMILIES } from "./vector-cases.ts";

for (const [name, f] of Object.entries(FAMILIES)) {
  const valid = f.valid.map((input) => ({ ...input, expect: f.compute(input) }));
  const invalid = (f.invalid ?? []).map((x) => {
    const got = f.check!(x);
    if (got !== x.reason) throw new Error(`${name}/${x.name}: expected "${x.reason}", got "${got}"`);
    return x;
  });
  const out = { description: f.description, valid, invalid };
  writeFileSync(new URL(`../vectors/v2-${name}.json`, import.meta.url), JSON.stringify(out, null, 2) + "\n");
  console.log(`v2-${name}.json: ${valid.length} valid, ${invalid.length} invalid`);
}
