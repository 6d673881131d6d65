// Fixed inputs of the v2 vectors and the builders that turn them into outputs. Used twice:
// once by gen-vectors.ts to write tests/vectors/v2-*.json, then by vectors.test.ts, which
// recomputes every output from the file's inputs and compares byte for byte. Randomness is a
// queue of explicit values (listed in each vector), so another implementation can replay it.
import { readFileSync } from "node:fs";
import { fromHex, toHex } from "../../src/protocol/bytes.ts";
import type { Rng } from "../../src/protocol/crypto.ts";

export type Json = any;

/** An rng that hands out the given hex values in order (each call must ask for that value's length). */
export function queueRng(values: string[]): Rng {
  const q = [...values];
  return (n) => {
    const v = q.shift();
    if (v === undefined) throw new Error("queueRng: no more values");
    const b = fromHex(v);
    if (b.length !== n) throw new Error(`queueRng: asked ${n} bytes, next value has ${b.length}`);
    return b;
  };
}

/** Deterministic filler: byte i of fill(seed, n) = (seed + 17 * i) mod 256, as hex. */
export const fill = (seed: number, n: number): string =>
  toHex(Uint8Array.from({ length: n }, (_, i) => (seed + 17 * i) & 255));

export const ALICE_SEED = fill(1, 32);
export const BOB_SEED = fill(2, 32);
export const CAROL_SEED = fill(3, 32);
export const CIRCLE_SECRET = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
export const CIRCLE_ID = "630dcd2966c4336691125448";
export const TS = 1_800_000_000;

export function loadV2(name: string): Json {
  return JSON.parse(readFileSync(new URL(`../vectors/${name}.json`, import.meta.url), "utf8"));
}

export const hexOf = (b: Uint8Array): string => toHex(b);
export const bytes = (h: string): Uint8Array => fromHex(h);
