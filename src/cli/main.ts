#!/usr/bin/env bun
// felund command line: parses the global options, dispatches to a subcommand, and turns
// user errors into a message on stderr and a non-zero exit (bugs still crash loudly).
import { helpText, parseArgs } from "./args.ts";
import { commands, type Cmd } from "./commands.ts";
import { nodeCommands } from "./node-commands.ts";
import { relayCommand } from "./relay-command.ts";
import { backupCommands } from "./backup-commands.ts";
import { stateDir } from "../node/runtime.ts";
import { FelundError } from "../protocol/errors.ts";
import { inert } from "./print.ts";
import pkg from "../../package.json" with { type: "json" };
import { versionText } from "./version.ts";

const all: Cmd[] = [...nodeCommands, relayCommand, ...commands, ...backupCommands];

function usage(): string {
  return [
    `felund ${pkg.version} — peer-to-peer group chat`,
    "",
    "usage: felund [--state-dir DIR] <command> [options]",
    "       felund [--state-dir DIR] --tui [serve options]   (the terminal UI; same as serve --tui)",
    "",
    "commands:",
    ...all.map((c) => `  ${c.name.padEnd(13)} ${c.summary}`),
    "",
    "Run `felund <command> --help` for a command's options.",
    "State lives in $FELUND_STATE_DIR (default ~/.felund); --state-dir overrides it.",
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  let dirFlag: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--state-dir") {
      dirFlag = argv[++i];
      if (!dirFlag) {
        console.error("felund: --state-dir needs a value");
        return 2;
      }
    } else if (a.startsWith("--state-dir=")) dirFlag = a.slice(12);
    else rest.push(a);
  }
  // bare `felund --tui [options]` is `felund serve --tui [options]`
  if (rest[0] === "--tui") rest.splice(0, 1, "serve", "--tui");
  const [name, ...args] = rest;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    const topic = name === "help" ? all.find((c) => c.name === args[0]) : undefined;
    console.log(topic ? helpText(topic) : usage());
    return 0;
  }
  if (name === "--version" || name === "-v") {
    console.log(versionText());
    return 0;
  }
  const cmd = all.find((c) => c.name === name);
  if (!cmd) {
    console.error(`felund: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const opts = args.includes("--") ? args.slice(0, args.indexOf("--")) : args; // after "--" everything is text
  if (opts.includes("--help") || opts.includes("-h")) {
    console.log(helpText(cmd));
    return 0;
  }
  try {
    const parsed = parseArgs(cmd, args);
    return await cmd.run(parsed, stateDir(dirFlag));
  } catch (e) {
    if (e instanceof FelundError) {
      console.error(`felund ${cmd.name}: ${inert(e.message)}`); // may quote a peer's name
      return e.code === "E_USAGE" ? 2 : 1; // a bad argument exits 2, as usage errors do
    }
    // another one-shot command (or a node starting) held the database past the busy timeout
    if (e instanceof Error && (e as { code?: string }).code?.startsWith("SQLITE_BUSY")) {
      console.error(
        `felund ${cmd.name}: the database in ${stateDir(dirFlag)} is busy (another felund command is writing to it); try again`,
      );
      return 75; // EX_TEMPFAIL
    }
    throw e;
  }
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  process.exit(code);
}
