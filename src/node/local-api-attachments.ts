// Attachments through the local API (docs/PROTOCOL.md §20), for this user's front ends. Raw
// bytes both ways, so they are routed before the API's JSON body handling:
//   POST /api/circles/:id/attachments?channel=C&name=N&mime=M[&caption=T][&thumb_mime=image/jpeg]
//        body: the file; header X-Felund-Thumb: base64 thumbnail        -> { ok, message }
//   GET  /api/circles/:id/attachments/:msg        -> { ok, attachment: {name, size, mime, caption, thumb, held, chunks} }
//   GET  /api/circles/:id/attachments/:msg/file   -> the file (fetched on demand from sessions / the relay)
import { fromBase64 } from "../protocol/bytes.ts";
import { FelundError } from "../protocol/errors.ts";
import { ATTACH_THUMB_MAX } from "../protocol/limits.ts";
import type { FelundNode } from "./node.ts";
import * as svc from "./service.ts";

const UPLOAD = /^\/api\/circles\/([^/]+)\/attachments$/;
const ONE = /^\/api\/circles\/([^/]+)\/attachments\/([0-9a-f]{32})(\/file)?$/;

const answer = (status: number, v: unknown) => Response.json(v, { status });
const invalid = (why: string) => new FelundError("E_INVALID", `invalid input: ${why}`);

async function bodyUpTo(req: Request, max: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > max)
    throw new FelundError("E_TOO_LONG", `file too large (limit ${max} bytes)`);
  const b = new Uint8Array(await req.arrayBuffer());
  if (b.length > max) throw new FelundError("E_TOO_LONG", `file too large (limit ${max} bytes)`);
  return b;
}

function thumbOf(req: Request, q: URLSearchParams): { mime: string; bytes: Uint8Array } | undefined {
  const b64 = req.headers.get("x-felund-thumb");
  if (!b64) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(b64);
  } catch {
    throw invalid("X-Felund-Thumb is not base64");
  }
  if (bytes.length > ATTACH_THUMB_MAX) throw invalid(`thumbnail larger than ${ATTACH_THUMB_MAX} bytes`);
  return { mime: q.get("thumb_mime") ?? "image/jpeg", bytes };
}

/** The answer to an attachment request, or null for any other path. */
export async function attachmentRequest(node: FelundNode, req: Request, url: URL): Promise<Response | null> {
  const up = url.pathname.match(UPLOAD);
  const one = up ? null : url.pathname.match(ONE);
  if (!up && !one) return null;
  try {
    if (up) {
      if (req.method !== "POST")
        return answer(405, { ok: false, error: `method ${req.method} not allowed`, code: "E_INVALID" });
      const q = url.searchParams;
      const name = q.get("name") ?? "";
      if (!name) throw invalid("name is required");
      const bytes = await bodyUpTo(req, node.attachments.maxBytes);
      const row = await node.attachments.send(decodeURIComponent(up[1]!), q.get("channel") ?? "general", {
        name,
        mime: q.get("mime") || "application/octet-stream",
        bytes,
        caption: q.get("caption") ?? "",
        thumb: thumbOf(req, q),
      });
      return answer(200, { ok: true, message: svc.viewMessage(node.ctx, row, node.nodeId) });
    }
    if (req.method !== "GET")
      return answer(405, { ok: false, error: `method ${req.method} not allowed`, code: "E_INVALID" });
    const circleId = svc.requireCircle(node.ctx, decodeURIComponent(one![1]!)).circleId;
    const msgId = one![2]!;
    if (!one![3]) return answer(200, { ok: true, attachment: node.attachments.info(circleId, msgId) });
    const file = await node.attachments.fetch(circleId, msgId);
    return new Response(file as Uint8Array<ArrayBuffer>, {
      headers: {
        "content-type": "application/octet-stream",
        "content-disposition": "attachment",
        "x-content-type-options": "nosniff",
        "cache-control": "no-store",
      },
    });
  } catch (e) {
    if (e instanceof FelundError) return answer(e.status, { ok: false, error: e.message, code: e.code });
    throw e;
  }
}
