// Operator settings of the long-running commands (README "Operator settings"): defaults, then
// a config file (`--config PATH`, TOML or .json), then FELUND_* environment variables, then
// flags. Every key is declared with its type and bounds; an unknown key, a wrong type or a
// value out of range is one E_USAGE line naming the key and where it came from (exit 2).
import { readFileSync } from "node:fs";
import { FelundError } from "../protocol/errors.ts";
import { parseRange } from "../relay/cidr.ts";
import type { FlagSpec } from "./args.ts";

export type SettingValue = string | number | boolean | readonly string[];
export interface Setting {
  /** dotted key, as in the file (`rate.ip.burst` is `[rate.ip] burst = …`) */
  key: string;
  type: "string" | "int" | "number" | "bool" | "enum" | "ranges";
  default?: SettingValue;
  help: string;
  min?: number;
  max?: number;
  /** allowed values of an enum */
  values?: readonly string[];
  /** the flag that sets it (a bool flag sets `flagValue`, default true) */
  flag?: string;
  flagValue?: SettingValue;
  /** shown by --print-config as set but not the value (tokens) */
  secret?: boolean;
}
export type Source = "default" | "file" | "env" | "flag";
export interface Settings {
  values: Record<string, SettingValue | undefined>;
  sources: Record<string, Source>;
}

/** FELUND_ + the key in capitals, dots and dashes as "_": rate.ip.burst -> FELUND_RATE_IP_BURST. */
export const envName = (key: string) => `FELUND_${key.toUpperCase().replace(/[.-]/g, "_")}`;

function describe(s: Setting): string {
  switch (s.type) {
    case "int":
      return `${s.min ?? 0}-${s.max} (a whole number)`;
    case "number":
      return `${s.min ?? 0}-${s.max} (a number)`;
    case "bool":
      return "true or false";
    case "enum":
      return `one of ${s.values!.join(", ")}`;
    case "ranges":
      return "true, false or a list of address ranges";
    default:
      return "a string";
  }
}

/** Check a value from the file (typed already) or from text (env, flag); `where` names the origin. */
function check(s: Setting, raw: unknown, where: string, fromText: boolean): SettingValue {
  // a flag is named as typed (--port must be …); a file's or env's key with its origin
  const who = where.startsWith("--") ? where : `${where}: ${s.key}`;
  const bad = () =>
    new FelundError(
      "E_USAGE",
      `${who} must be ${describe(s)}, got ${typeof raw === "string" ? `"${raw}"` : JSON.stringify(raw)}`,
    );
  let v: unknown = raw;
  if (fromText && typeof raw === "string") {
    if (s.type === "int" || s.type === "number") v = raw.trim() === "" ? Number.NaN : Number(raw);
    else if (s.type === "bool" || (s.type === "ranges" && /^(true|false)$/.test(raw)))
      v = raw === "true" || raw === "1" ? true : raw === "false" || raw === "0" ? false : raw;
    else if (s.type === "ranges") v = raw.split(",").map((x) => x.trim());
  }
  switch (s.type) {
    case "int":
    case "number":
      if (typeof v !== "number" || (s.type === "int" ? !Number.isSafeInteger(v) : !Number.isFinite(v))) throw bad();
      if (v < (s.min ?? 0) || (s.max !== undefined && v > s.max)) throw bad();
      return v;
    case "bool":
      if (typeof v !== "boolean") throw bad();
      return v;
    case "enum":
      if (typeof v !== "string" || !s.values!.includes(v)) throw bad();
      return v;
    case "ranges":
      if (typeof v === "boolean") return v;
      if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) throw bad();
      for (const r of v) {
        try {
          parseRange(r);
        } catch (e) {
          throw new FelundError("E_USAGE", `${who}: ${(e as Error).message}`);
        }
      }
      return v as string[];
    default:
      if (typeof v !== "string") throw bad();
      return v;
  }
}

/** A nested table as dotted keys (arrays are values). */
function flatten(o: Record<string, unknown>, prefix = "", out: Record<string, unknown> = {}) {
  for (const [k, v] of Object.entries(o)) {
    const key = prefix + k;
    if (v && typeof v === "object" && !Array.isArray(v)) flatten(v as Record<string, unknown>, `${key}.`, out);
    else out[key] = v;
  }
  return out;
}

export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new FelundError("E_USAGE", `cannot read the config file ${path}: ${(e as Error).message}`);
  }
  try {
    const parsed = path.endsWith(".json") ? JSON.parse(text) : Bun.TOML.parse(text);
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not a table");
    return flatten(parsed as Record<string, unknown>);
  } catch (e) {
    throw new FelundError(
      "E_USAGE",
      `config ${path}: not valid ${path.endsWith(".json") ? "JSON" : "TOML"}: ${(e as Error).message}`,
    );
  }
}

export function resolveSettings(
  specs: readonly Setting[],
  o: { file?: string; env?: Record<string, string | undefined>; flags?: Record<string, unknown> },
): Settings {
  const values: Settings["values"] = {};
  const sources: Settings["sources"] = {};
  for (const s of specs) {
    values[s.key] = s.default;
    sources[s.key] = "default";
  }
  if (o.file) {
    for (const [k, v] of Object.entries(readConfigFile(o.file))) {
      const s = specs.find((x) => x.key === k);
      if (!s) throw new FelundError("E_USAGE", `config ${o.file}: unknown key "${k}"`);
      values[k] = check(s, v, `config ${o.file}`, false);
      sources[k] = "file";
    }
  }
  const env = o.env ?? {};
  for (const s of specs) {
    const v = env[envName(s.key)];
    if (v === undefined || v === "") continue;
    values[s.key] = check(s, v, envName(s.key), true);
    sources[s.key] = "env";
  }
  for (const s of specs) {
    const v = s.flag ? o.flags?.[s.flag] : undefined;
    if (v === undefined) continue;
    values[s.key] = check(
      s,
      v === true ? (s.flagValue ?? true) : typeof v === "number" ? v : String(v),
      `--${s.flag}`,
      true,
    );
    sources[s.key] = "flag";
  }
  return { values, sources };
}

const tomlValue = (v: SettingValue | undefined) =>
  v === undefined ? '""' : Array.isArray(v) ? `[${v.map((x) => JSON.stringify(x)).join(", ")}]` : JSON.stringify(v);

/** The effective settings as TOML (dotted keys) with each one's source: what --print-config prints. */
export function printSettings(specs: readonly Setting[], s: Settings, title: string): string {
  const lines = [`# ${title}: effective settings (file < FELUND_* env < flags)`];
  for (const x of specs) {
    const shown = x.secret && s.values[x.key] ? '"(set)"' : tomlValue(s.values[x.key]);
    lines.push(`${`${x.key} = ${shown}`.padEnd(44)} # ${s.sources[x.key]}`);
  }
  return lines.join("\n");
}

/** The flags of the settings that have one (no default here: an absent flag leaves the setting alone). */
export function settingFlags(specs: readonly Setting[]): FlagSpec[] {
  return specs
    .filter((s) => s.flag)
    .map((s) => ({
      name: s.flag!,
      type: s.type === "int" ? "int" : s.type === "bool" || s.flagValue !== undefined ? "bool" : "string",
      placeholder: s.type === "ranges" ? "RANGES" : s.type === "int" ? "N" : undefined,
      help: `${s.help}${s.default !== undefined && s.flagValue === undefined && s.type !== "bool" ? ` (default ${tomlValue(s.default)})` : ""}`,
    }));
}

export const configFlags: FlagSpec[] = [
  { name: "config", type: "string", placeholder: "PATH", help: "settings file (TOML, or JSON if it ends in .json)" },
  { name: "print-config", type: "bool", help: "print the effective settings with their sources, then exit" },
];
