// Routes of PUT/GET /v1/blobs/:circle_hint/:chunk_id (attachment chunks, docs/PROTOCOL.md §20).
import { Elysia, t } from "elysia";
import { ATTACH_SEALED_CHUNK_MAX } from "../../protocol/limits.ts";
import type { RelayContext } from "../context.ts";
import { errorResponse, json } from "../http.ts";
import { ErrorResponse } from "../model.ts";
import { signatureResponse } from "../signed.ts";
import { BlobService } from "./service.ts";

const Params = t.Object({ hint: t.String(), chunk: t.String() });

const ABOUT =
  "Attachment chunks: opaque AES-256-GCM sealed bytes of at most " +
  `${ATTACH_SEALED_CHUNK_MAX} bytes, named by chunk_id = hex(SHA-256(bytes)[0:16]), which the relay checks. The file key ` +
  "travels only inside the circle's signed (and sealed) messages, so the relay cannot read them. Each circle_hint may hold a " +
  "fixed number of chunk bytes (default 256 MiB; 429 beyond); chunks expire after the relay's message retention (a PUT of a " +
  "held chunk renews it). A node (X-Felund-Node) that registered a signing_key for this circle_hint must sign these requests " +
  "with it, as for /v1/messages (PROTOCOL-V1.md §6.5).";

/** The body, read up to `max` bytes (a larger one is refused unread past the bound). */
async function cappedBytes(request: Request, max: number): Promise<Uint8Array | null> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > max) return null;
  const reader = request.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > max) {
      void reader.cancel();
      return null;
    }
    parts.push(value);
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function blobRoutes(ctx: RelayContext) {
  const blobs = ctx.blobs;
  return new Elysia()
    .put(
      "/blobs/:hint/:chunk",
      async ({ params, request }) => {
        const bad = BlobService.pathError(params.hint, params.chunk);
        if (bad) return errorResponse("E_BAD_INPUT", bad);
        const data = await cappedBytes(request, ATTACH_SEALED_CHUNK_MAX);
        if (!data) return errorResponse("E_TOO_LONG", `chunk larger than ${ATTACH_SEALED_CHUNK_MAX} bytes`);
        const no = await ctx.signed.checkFor(params.hint, request.headers.get("x-felund-node"), {
          request,
          body: data,
        });
        if (no) return signatureResponse(no);
        const r = await blobs.put(params.hint, params.chunk, data);
        return r.ok ? json({ ok: true, stored: r.stored }) : errorResponse(r.code, r.detail);
      },
      {
        params: Params,
        parse: "none",
        response: {
          200: t.Object({ ok: t.Boolean(), stored: t.Boolean() }),
          400: ErrorResponse,
          401: ErrorResponse,
          413: ErrorResponse,
          422: ErrorResponse,
          429: ErrorResponse,
        },
        detail: {
          tags: ["relay"],
          summary: "Store one sealed attachment chunk (body: the raw bytes)",
          description: ABOUT,
        },
      },
    )
    .get(
      "/blobs/:hint/:chunk",
      async ({ params, request }) => {
        const bad = BlobService.pathError(params.hint, params.chunk);
        if (bad) return errorResponse("E_BAD_INPUT", bad);
        const no = await ctx.signed.checkFor(params.hint, request.headers.get("x-felund-node"), { request, body: "" });
        if (no) return signatureResponse(no);
        const data = await blobs.get(params.hint, params.chunk);
        if (!data) return errorResponse("E_NOT_FOUND", "no such chunk here");
        return new Response(data as Uint8Array<ArrayBuffer>, {
          headers: { "content-type": "application/octet-stream", "cache-control": "private, max-age=3600" },
        });
      },
      {
        params: Params,
        response: { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse },
        detail: { tags: ["relay"], summary: "Fetch one sealed attachment chunk (the raw bytes)", description: ABOUT },
      },
    );
}
