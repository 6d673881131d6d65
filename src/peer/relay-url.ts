// The one builder of relay API addresses (node and relay-only browser alike):
// "<base>/v1<path>"; a base that already ends in /v1 is used as is (as the original web client does).
export function relayUrl(base: string, path: string): string {
  const b = base.trim().replace(/\/+$/, "");
  return (/\/v1$/.test(b) ? b : b + "/v1") + path;
}
