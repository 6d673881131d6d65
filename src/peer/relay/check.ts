// Is a relay URL worth saving? Both settings paths (the node's local API, the relay-only
// browser's actions) ask the relay's GET /v1/health (src/relay/health) first, so a mistyped URL
// is refused with the reason instead of saved as "settings saved" and failing quietly later.
import { FelundError } from "../../protocol/errors.ts";
import { type FetchLike, RelayApi } from "./api.ts";

/** Resolves when `base` answers its health check like a relay; else throws E_UNREACHABLE (nothing saved). */
export async function checkRelay(base: string, nodeId: string, fetchImpl?: FetchLike): Promise<void> {
  let why: string;
  try {
    const h = await new RelayApi(base, nodeId, fetchImpl).health();
    if (h && h.ok === true) return;
    why = "its answer is not a relay's";
  } catch (e) {
    if (!(e instanceof FelundError)) throw e;
    why = e.message;
  }
  throw new FelundError(
    "E_UNREACHABLE",
    `relay ${base} did not pass its health check (${why}); settings not saved`,
    502,
  );
}
