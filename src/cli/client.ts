// How a one-shot command reaches the node: through the running node's local API when one
// runs on this state dir (so nothing is lost or overwritten), else directly on the database.
import { apiToken, liveRuntime, openNodeStore, type RuntimeInfo } from "../node/runtime.ts";
import { defaultCtx, type Ctx } from "../node/service.ts";
import { FelundError } from "../protocol/errors.ts";
import { codeForStatus } from "../protocol/error-status.ts";

export interface Target {
  runtime: RuntimeInfo | null;
  api?: (method: string, path: string, body?: unknown) => Promise<any>;
  ctx?: Ctx;
}

export function connect(dir: string): Target {
  const runtime = liveRuntime(dir);
  if (runtime) {
    const token = apiToken(dir);
    const api = async (method: string, path: string, body?: unknown) => {
      let res: Response;
      try {
        res = await fetch(runtime.api + "/api" + path, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body !== undefined ? { "content-type": "application/json" } : {}),
          },
          body: body !== undefined ? JSON.stringify(body) : undefined,
        });
      } catch (e) {
        throw new FelundError(
          "E_UNREACHABLE",
          `the node (pid ${runtime.pid}) does not answer at ${runtime.api}: ${(e as Error).message}`,
        );
      }
      const json = (await res.json().catch(() => ({}))) as any;
      if (!res.ok || json.ok === false)
        // the node's error as it threw it (its code; the code of the status from an older node)
        throw new FelundError(
          json.code ?? codeForStatus(res.status),
          json.error ?? json.detail ?? json.message ?? `HTTP ${res.status}`,
          res.status,
        );
      return json;
    };
    return { runtime, api };
  }
  return { runtime: null, ctx: defaultCtx(openNodeStore(dir)) };
}
