// Files from the command line (docs/PROTOCOL.md §20): `felund send --file PATH [--caption T]`
// sends an attachment, `felund save --circle-id ID MSG_ID [PATH]` keeps one. Through the running
// node's local API when there is one (it fetches missing chunks from its sessions and relay);
// else straight on the database (a send goes out when a node runs; a save needs the chunks here).
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { NodeAttachments } from "../node/attachments.ts";
import { apiToken, liveRuntime } from "../node/runtime.ts";
import * as svc from "../node/service.ts";
import type { MessageView } from "../peer/views.ts";
import { codeForStatus } from "../protocol/error-status.ts";
import { type ErrorCode, FelundError } from "../protocol/errors.ts";
import { formatSize } from "../protocol/v2/attachment.ts";
import { connect } from "./client.ts";
import { circleFlag, json, need, type Cmd } from "./command-kit.ts";
import { line, out } from "./print.ts";

const offline = (ctx: svc.Ctx) =>
  new NodeAttachments(
    { store: ctx.store, ctx, nodeId: ctx.me().nodeId, relay: null, published: () => {}, log: () => {} },
    () => ({ peers: () => [], wantBlobs: () => false }),
  );

async function nodeCall(dir: string, method: string, path: string, body?: Uint8Array): Promise<Response> {
  const rt = liveRuntime(dir)!;
  let res: Response;
  try {
    res = await fetch(`${rt.api}/api${path}`, {
      method,
      headers: { authorization: `Bearer ${apiToken(dir)}`, "content-type": "application/octet-stream" },
      body: body as Uint8Array<ArrayBuffer> | undefined,
    });
  } catch (e) {
    throw new FelundError(
      "E_UNREACHABLE",
      `the node (pid ${rt.pid}) does not answer at ${rt.api}: ${(e as Error).message}`,
    );
  }
  if (res.ok) return res;
  const j = (await res.json().catch(() => ({}))) as { code?: string; error?: string };
  throw new FelundError(
    (j.code as ErrorCode) ?? codeForStatus(res.status),
    j.error ?? `HTTP ${res.status}`,
    res.status,
  );
}

const MIME: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  txt: "text/plain",
  pdf: "application/pdf",
};

/** `felund send --file PATH`: the attachment's row, as the local API gives it. */
export async function sendFile(
  dir: string,
  circleId: string,
  channel: string,
  path: string,
  caption: string,
): Promise<string> {
  if (!existsSync(path) || !statSync(path).isFile()) throw new FelundError("E_USAGE", `no such file: ${path}`);
  const name = basename(path);
  const mime = MIME[name.split(".").pop()!.toLowerCase()] ?? "application/octet-stream";
  const bytes = new Uint8Array(readFileSync(path));
  const t = connect(dir);
  let m: MessageView;
  if (t.runtime) {
    const q = new URLSearchParams({ channel, name, mime, caption });
    m = (
      (await (await nodeCall(dir, "POST", `/circles/${circleId}/attachments?${q}`, bytes)).json()) as {
        message: MessageView;
      }
    ).message;
  } else {
    const ctx = t.ctx!;
    m = svc.viewMessage(ctx, await offline(ctx).send(circleId, channel, { name, mime, bytes, caption }));
  }
  return t.runtime
    ? line`sent ${m.msgId}: ${name} (${formatSize(bytes.length)}), its chunks served by the running node`
    : line`stored ${m.msgId}: ${name} (${formatSize(bytes.length)}); it goes out when a node runs`;
}

export const saveCommand: Cmd = {
  name: "save",
  summary: "save the file of an attachment message (fetched through the running node when there is one)",
  usage: "felund save --circle-id ID MSG_ID [PATH]",
  positionals: ["MSG_ID", "PATH"],
  flags: [circleFlag(true), json],
  async run(p, dir) {
    const id = need(p, "circle-id");
    const msgId = p.positionals[0] ?? "";
    if (!/^[0-9a-f]{32}$/.test(msgId)) throw new FelundError("E_USAGE", "name the MSG_ID (32 hex) of the attachment");
    const t = connect(dir);
    let name: string;
    let bytes: Uint8Array;
    if (t.runtime) {
      name = (
        (await (await nodeCall(dir, "GET", `/circles/${id}/attachments/${msgId}`)).json()) as {
          attachment: { name: string };
        }
      ).attachment.name;
      bytes = new Uint8Array(
        await (await nodeCall(dir, "GET", `/circles/${id}/attachments/${msgId}/file`)).arrayBuffer(),
      );
    } else {
      const a = offline(t.ctx!);
      const cid = svc.requireCircle(t.ctx!, id).circleId;
      name = a.info(cid, msgId).name;
      bytes = await a.fetch(cid, msgId);
    }
    const given = p.positionals[1];
    const target = !given
      ? basename(name)
      : existsSync(given) && statSync(given).isDirectory()
        ? join(given, basename(name))
        : given;
    if (existsSync(target)) throw new FelundError("E_EXISTS", `${target} exists already: name another PATH`);
    writeFileSync(target, bytes);
    if (p.flags.json) out(JSON.stringify({ ok: true, path: target, size: bytes.length }));
    else out(line`saved ${formatSize(bytes.length)} to ${target}`);
    return 0;
  },
};
