// The one seeded-fuzz helper of the suite: a small PRNG, mutators for strings, bytes and JSON
// values (flips, truncation, splicing, type swaps, huge numbers, deep nesting, long strings),
// and `fuzz`, which replays a family's saved regressions and then runs FUZZ_CASES cases:
// half from a fixed seed (the same every run) and half from a per-run seed (random, or
// FUZZ_SEED to replay one). A failure names its seed, case and input; save the input in
// tests/fuzz/regressions/<family>.json so every later run replays it first.
import { readFileSync } from "node:fs";

/** Cases per fuzzer per run (the issue asks for at least 10,000 in CI). */
export const FUZZ_CASES = Number(process.env.FUZZ_CASES ?? 10_000);
/** The per-run seed: FUZZ_SEED replays a run; otherwise a fresh one, printed on failure. */
export const RUN_SEED =
  process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : (Math.random() * 2 ** 31) >>> 0;
/** A case slower than this is a failure ("never hangs"); generous for a loaded 2-core box. */
const SLOW_CASE_MS = 10_000;

/** mulberry32: small, fast, good enough to drive mutations reproducibly. */
export class Prng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
}

export type Json = any;

const CHARS = [
  ...'0123456789abcdefABCDEF+/=-_|:.%&?# "\\{}[],\n\t',
  "é",
  "✓",
  "🎉",
  "\u0000",
  "\u007f",
  "\u001b",
  "\ud800",
  "Z",
  "g",
];
const nest = (d: number): unknown => (d ? [nest(d - 1)] : {});
/** Values a peer can put anywhere: wrong types, edge and huge numbers, long strings, deep nesting. */
export const SWAPS: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e300,
  -1e300,
  2 ** 53,
  2 ** 64,
  -0,
  "",
  "x",
  "1700000000",
  "__control",
  "general",
  "a".repeat(300),
  "é".repeat(5000),
  "9".repeat(400),
  [],
  [1, "a"],
  {},
  nest(200),
  JSON.parse('{"toString":1}'),
  JSON.parse('{"valueOf":1,"toString":1}'),
  JSON.parse('{"__proto__":{"polluted":1}}'),
];
const NEW_KEYS = [
  "enc",
  "extra",
  "__proto__",
  "constructor",
  "toString",
  "t",
  "schema_version",
  "messages",
  "since",
  "limit",
];

export function mutateString(r: Prng, s: string): string {
  const i = r.int(s.length + 1);
  switch (r.int(8)) {
    case 0:
      return s.slice(0, i) + r.pick(CHARS) + s.slice(i + 1); // replace
    case 1:
      return s.slice(0, i) + r.pick(CHARS) + s.slice(i); // insert
    case 2:
      return s.slice(0, i) + s.slice(i + 1); // delete
    case 3:
      return s.slice(0, i); // truncate
    case 4:
      return s + s.slice(i); // splice a tail on again
    case 5: {
      // flip one bit of one character
      if (!s.length) return "x";
      const j = Math.min(i, s.length - 1);
      return s.slice(0, j) + String.fromCharCode(s.charCodeAt(j) ^ (1 << r.int(7))) + s.slice(j + 1);
    }
    case 6:
      return s.slice(0, i) + r.pick(CHARS).repeat(1 + r.int(3000)) + s.slice(i); // long run
    default:
      return s.toUpperCase();
  }
}

export function mutateBytes(r: Prng, b: Uint8Array): Uint8Array {
  const i = r.int(b.length + 1);
  const out = Uint8Array.from(b);
  switch (r.int(6)) {
    case 0:
      if (b.length) out[Math.min(i, b.length - 1)]! ^= 1 << r.int(8);
      return out; // bit flip
    case 1:
      return out.subarray(0, i); // truncate
    case 2:
      return Uint8Array.from([
        ...out.subarray(0, i),
        ...Array.from({ length: 1 + r.int(8) }, () => r.int(256)),
        ...out.subarray(i),
      ]);
    case 3: {
      // overwrite 4 bytes (a length or count) with an edge value
      const v = r.pick([0, 1, 0xff, 0xffff, 0x7fffffff, 0xffffffff]);
      if (b.length >= 4) new DataView(out.buffer).setUint32(Math.min(i, b.length - 4), v >>> 0);
      return out;
    }
    case 4:
      return Uint8Array.from([...out, ...out.subarray(i)]); // splice a tail on again
    default:
      return Uint8Array.from({ length: r.int(96) }, () => r.int(256)); // noise
  }
}

const setOwn = (o: Record<string, unknown>, k: string, val: unknown) =>
  Object.defineProperty(o, k, { value: val, enumerable: true, writable: true, configurable: true });
export const clone = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));
/** A fresh copy of a SWAPS value (never the shared one: later mutations work in place). */
const swap = (r: Prng): unknown => clone(r.pick(SWAPS));

/** One mutation somewhere inside a JSON value (in place; returns the possibly replaced root). */
export function mutateValue(r: Prng, v: unknown, depth = 0): unknown {
  if (Array.isArray(v) && depth < 5 && r.int(4) !== 0) {
    const op = r.int(5);
    if (op === 0 && v.length) v.splice(r.int(v.length), 1);
    else if (op === 1 && v.length) v.push(clone(v[r.int(v.length)]));
    else if (op === 2) v.push(swap(r));
    else if (v.length) {
      const i = r.int(v.length);
      v[i] = mutateValue(r, v[i], depth + 1);
    }
    return v;
  }
  if (v !== null && typeof v === "object" && !Array.isArray(v) && depth < 5 && r.int(4) !== 0) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    const op = r.int(6);
    if (op === 0 && keys.length) {
      delete o[r.pick(keys)];
      return v;
    }
    if (op === 1) {
      setOwn(o, r.pick(NEW_KEYS), swap(r));
      return v;
    }
    if (keys.length) {
      const k = r.pick(keys);
      setOwn(o, k, mutateValue(r, o[k], depth + 1));
    }
    return v;
  }
  if (typeof v === "string" && r.int(3) !== 0) return mutateString(r, v);
  if (typeof v === "number" && r.int(3) !== 0)
    return r.pick([v + 1, v - 1, -v, v * 1000, v + 0.5, 0, 2 ** 63, Number.MAX_SAFE_INTEGER + 2]);
  return swap(r);
}

/** A mutated copy: 1-3 structural mutations, or one mutation of the JSON text. */
export function mutant(r: Prng, base: unknown): unknown {
  if (r.int(4) === 0) {
    const text = mutateString(r, JSON.stringify(base));
    try {
      return JSON.parse(text);
    } catch {
      /* not JSON any more: mutate the structure instead */
    }
  }
  let v: unknown = clone(base);
  for (let n = 1 + r.int(3); n > 0; n--) v = mutateValue(r, v);
  return v;
}

/** JSON text of a mutant, sometimes mutated again as text (not JSON at all). */
export const mutantText = (r: Prng, base: unknown): string => {
  const t = JSON.stringify(mutant(r, base)) ?? "null";
  return r.int(5) === 0 ? mutateString(r, t) : t;
};

export const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");
export const fromHex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));
/** Inputs saved as JSON: byte arrays as { hex }. */
const save = (v: unknown): Json => (v instanceof Uint8Array ? { hex: toHex(v) } : v);
const load = (v: Json): unknown =>
  v && typeof v === "object" && typeof v.hex === "string" && Object.keys(v).length === 1 ? fromHex(v.hex) : v;

interface Regression {
  fuzzer: string;
  input: Json;
  note: string;
}
export function regressions(family: string, fuzzer: string): unknown[] {
  let all: Regression[] = [];
  try {
    all = JSON.parse(readFileSync(new URL(`./regressions/${family}.json`, import.meta.url), "utf8"));
  } catch {
    /* none saved yet */
  }
  return all.filter((x) => x.fuzzer === fuzzer).map((x) => load(x.input));
}

/** What `check` says about one input: null when the decoder behaved, else the problem. */
export type Check<T> = (input: T) => string | null | Promise<string | null>;

/**
 * Replay `family`'s saved inputs for `fuzzer`, then FUZZ_CASES generated ones. Returns a report
 * of the first few failures ("" when none): a check that throws is a failure too.
 */
export async function fuzz<T>(
  family: string,
  fuzzer: string,
  fixedSeed: number,
  gen: (r: Prng) => T,
  check: Check<T>,
  cases = FUZZ_CASES,
): Promise<string> {
  const failures: Json[] = [];
  const one = async (input: T, where: Json) => {
    const t0 = performance.now();
    let problem: string | null;
    try {
      problem = await check(input);
    } catch (e) {
      problem = `threw ${(e as Error)?.name}: ${(e as Error)?.message}`;
    }
    const ms = performance.now() - t0;
    if (!problem && ms > SLOW_CASE_MS) problem = `took ${Math.round(ms)} ms`;
    if (problem) failures.push({ ...where, problem, input: save(input) });
  };
  for (const input of regressions(family, fuzzer)) await one(input as T, { regression: true });
  const half = Math.ceil(cases / 2);
  for (const [seed, n] of [
    [fixedSeed, half],
    [RUN_SEED ^ fixedSeed, cases - half],
  ] as const) {
    const r = new Prng(seed);
    for (let i = 0; i < n && failures.length < 5; i++) await one(gen(r), { seed, iteration: i });
  }
  if (!failures.length) return "";
  return (
    `${fuzzer}: FUZZ_SEED=${RUN_SEED} replays this run; save each input in tests/fuzz/regressions/${family}.json as {"fuzzer": "${fuzzer}", "input": ..., "note": ...}\n` +
    JSON.stringify(failures, null, 1).slice(0, 20_000)
  );
}
