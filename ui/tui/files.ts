// Files for /attach and /save in the terminal (ui/shared/attach-commands.ts): read a path on
// this machine, and write a fetched attachment under its own name (never a path it carries)
// into the folder given, or the working folder; an existing file is never overwritten.
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import { FelundError } from "../../src/protocol/errors.ts";
import type { CommandUi } from "../shared/command-base.ts";
import type { FileUpload } from "../shared/types.ts";

const MIME: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".txt": "text/plain",
  ".md": "text/markdown",
  ".pdf": "application/pdf",
  ".zip": "application/zip",
  ".json": "application/json",
};

const home = () => process.env.HOME ?? "";
const expand = (p: string) => resolve(p.startsWith("~/") ? join(home(), p.slice(2)) : p);

export async function readFile(path: string): Promise<FileUpload> {
  const full = expand(path);
  if (!existsSync(full) || !statSync(full).isFile()) throw new FelundError("E_NOT_FOUND", `no such file: ${path}`);
  const name = basename(full);
  return { name, mime: MIME[extname(name).toLowerCase()] ?? "application/octet-stream", bytes: readFileSync(full) };
}

/** A name that does not exist yet in `dir`: "a.png", then "a (1).png"… */
function freeName(dir: string, name: string): string {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let i = 0; ; i++) {
    const p = join(dir, i ? `${stem} (${i})${ext}` : name);
    if (!existsSync(p)) return p;
  }
}

export async function saveFile(name: string, bytes: Uint8Array, path?: string): Promise<string> {
  const safe = basename(name).replace(/^\.+/, "_") || "attachment";
  let target: string;
  if (!path) target = freeName(process.cwd(), safe);
  else {
    const full = expand(path);
    target = existsSync(full) && statSync(full).isDirectory() ? freeName(full, safe) : full;
    if (existsSync(target)) throw new FelundError("E_EXISTS", `${path} exists already: name another file or a folder`);
  }
  writeFileSync(target, bytes);
  return target;
}

export const tuiFiles: Pick<CommandUi, "readFile" | "saveFile"> = { readFile, saveFile };
