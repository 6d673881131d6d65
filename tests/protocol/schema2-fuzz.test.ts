// Seeded fuzzing of the schema-2 object checks (message-schema2.ts), as tests/protocol/fuzz.test.ts
// does for the other v1 decoders: mutants of the valid and refused vectors must be refused with a
// Reject verdict, or pass type checks, MAC and enc only with covered fields that some vector
// MAC'd, and an enc (if any) that holds them.
import { expect, setDefaultTimeout, test } from "bun:test";
import { fromHex } from "../../src/protocol/bytes.ts";
import { macInput, verifyMac } from "../../src/protocol/message.ts";
import { checkEnc, parseWireObject } from "../../src/protocol/message-schema2.ts";
import { FUZZ_CASES, fuzz, mutant } from "../fuzz/seeded.ts";
import { type Json, loadVectors } from "./vectors.ts";

setDefaultTimeout(120_000);
const v = loadVectors("v1-schema2");
const secret = fromHex(v.secret_hex);
const bases: Json[] = [...v.valid.map((c: Json) => JSON.parse(c.wire_json)), ...v.invalid.map((c: Json) => c.object)];
/** the MAC'd contents among the bases: the reference message, and one a member re-MAC'd (valid without its enc) */
const macd = new Set(
  bases.flatMap((b) => {
    const p = parseWireObject(b);
    return p.ok && verifyMac(secret, p.value.msg) ? [macInput(p.value.msg)] : [];
  }),
);

test("schema-2 objects: only MAC'd contents of the vectors, with a matching enc if any, get through", async () => {
  let parsed = 0;
  let accepted = 0;
  const failures = await fuzz(
    "v1",
    "schema2-object",
    0x5c4e2,
    (r) => mutant(r, r.pick(bases)),
    (o) => {
      const p = parseWireObject(o);
      if (!p.ok) return p.kind === "reject" ? null : "verdict is not a reject";
      parsed++;
      if (!verifyMac(secret, p.value.msg)) return null;
      if (p.value.enc) {
        const e = checkEnc(secret, p.value.msg, p.value.enc);
        if (!e.ok) return e.kind === "reject" ? null : "verdict is not a reject";
      }
      accepted++;
      return macd.has(macInput(p.value.msg)) ? null : "a changed message got through";
    },
  );
  expect(failures).toBe("");
  expect(parsed).toBeGreaterThan(FUZZ_CASES / 20);
  expect(accepted).toBeGreaterThan(0);
});
