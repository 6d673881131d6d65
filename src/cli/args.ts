// A small, strict argument parser: declared flags only, typed values, clear errors.
import { FelundError } from "../protocol/errors.ts";

export interface FlagSpec {
  name: string;
  type: "string" | "int" | "bool";
  help: string;
  default?: string | number | boolean;
  placeholder?: string;
}
export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  flags: FlagSpec[];
  /** names of positional arguments; a trailing "..." collects the rest */
  positionals?: string[];
}

export type Parsed = { flags: Record<string, string | number | boolean | undefined>; positionals: string[] };

export function parseArgs(spec: CommandSpec, argv: string[]): Parsed {
  const flags: Parsed["flags"] = {};
  const positionals: string[] = [];
  for (const f of spec.flags) if (f.default !== undefined) flags[f.name] = f.default;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const f = spec.flags.find((x) => x.name === name);
      if (!f)
        throw new FelundError(
          "E_USAGE",
          `unknown option --${name} for "${spec.name}" (see felund ${spec.name} --help)`,
        );
      if (f.type === "bool") {
        if (eq >= 0) throw new FelundError("E_USAGE", `--${name} takes no value`);
        flags[name] = true;
        continue;
      }
      const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new FelundError("E_USAGE", `--${name} needs a value`);
      if (f.type === "int") {
        if (!/^-?\d+$/.test(v)) throw new FelundError("E_USAGE", `--${name} must be a whole number, got "${v}"`);
        flags[name] = Number(v);
      } else flags[name] = v;
      continue;
    }
    positionals.push(a);
  }
  const pos = spec.positionals ?? [];
  const variadic = pos.length > 0 && pos[pos.length - 1]!.endsWith("...");
  if (!variadic && positionals.length > pos.length)
    throw new FelundError("E_USAGE", `unexpected argument "${positionals[pos.length]}" for "${spec.name}"`);
  return { flags, positionals };
}

export function helpText(spec: CommandSpec): string {
  const lines = [`felund ${spec.name} — ${spec.summary}`, "", `usage: ${spec.usage}`];
  if (spec.flags.length) {
    lines.push("", "options:");
    for (const f of spec.flags) {
      const left = `  --${f.name}${f.type === "bool" ? "" : ` ${f.placeholder ?? f.type.toUpperCase()}`}`;
      lines.push(
        `${left.padEnd(28)} ${f.help}${f.default !== undefined && f.type !== "bool" ? ` (default ${f.default})` : ""}`,
      );
    }
  }
  return lines.join("\n");
}
