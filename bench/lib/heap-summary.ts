// A heap snapshot of a page (CDP HeapProfiler), summed by what holds the bytes: objects by
// constructor, strings by kind, arrays, closures, ... (self sizes; what a benchmark prints to
// tell where a page's memory goes). Used by bench/relay-fill.ts (RELAY_FILL_HEAP=1).
import type { CDPSession } from "playwright-core";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: (string[] | string)[] } };
  nodes: number[];
  strings: string[];
}

/** The top `top` groups by self size: "type name" -> bytes and count. */
export async function heapSummary(cdp: CDPSession, top = 25): Promise<string[]> {
  const chunks: string[] = [];
  const onChunk = (e: { chunk: string }) => void chunks.push(e.chunk);
  cdp.on("HeapProfiler.addHeapSnapshotChunk", onChunk);
  await cdp.send("HeapProfiler.collectGarbage");
  await cdp.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
  cdp.off("HeapProfiler.addHeapSnapshotChunk", onChunk);
  const s = JSON.parse(chunks.join("")) as Snapshot & { edges: number[] };
  const asked = process.env.HEAP_RETAINERS;
  const f = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0] as string[];
  const [ti, ni, si] = [f.indexOf("type"), f.indexOf("name"), f.indexOf("self_size")];
  const groups = new Map<string, { bytes: number; n: number }>();
  let total = 0;
  for (let i = 0; i < s.nodes.length; i += f.length) {
    const type = types[s.nodes[i + ti]!]!;
    const name = s.strings[s.nodes[i + ni]!]!;
    const size = s.nodes[i + si]!;
    // strings by kind (their text is their name), objects by constructor, the rest by type and name
    const key = type.includes("string")
      ? `${type} ${name.length < 16 ? "<16" : name.length < 40 ? "16-39" : name.length < 100 ? "40-99" : name.length < 200 ? "100-199" : name.length < 400 ? "200-399" : ">=400"} chars`
      : type === "native"
        ? `native ${name.slice(0, 40)}`
        : type === "object" || type === "closure"
          ? `${type} ${name}`
          : type === "array" || type === "hidden" || type === "code"
            ? `${type} ${name.slice(0, 40)}`
            : type;
    const g = groups.get(key) ?? { bytes: 0, n: 0 };
    g.bytes += size;
    g.n++;
    groups.set(key, g);
    total += size;
  }
  return [
    `heap snapshot: ${(total / 1024 / 1024).toFixed(1)} MiB in ${(s.nodes.length / f.length).toLocaleString("en")} nodes; by self size:`,
    ...[...groups]
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .slice(0, top)
      .map(([k, g]) => `  ${(g.bytes / 1024 / 1024).toFixed(2)} MiB  ${g.n.toLocaleString("en")}  ${k}`),
    ...(asked ? retainers(s, asked.split(",")) : []),
  ];
}

/** For a few nodes of each group asked (as heapSummary names them), their retainers `depth` levels up. */
export function retainers(s: Snapshot & { edges: number[] }, groups: string[], depth = 4, per = 3): string[] {
  const meta = s.snapshot.meta as unknown as {
    node_fields: string[];
    node_types: (string[] | string)[];
    edge_fields: string[];
    edge_types: (string[] | string)[];
  };
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const types = meta.node_types[0] as string[];
  const etypes = meta.edge_types[0] as string[];
  const [ti, ni, eci] = [
    meta.node_fields.indexOf("type"),
    meta.node_fields.indexOf("name"),
    meta.node_fields.indexOf("edge_count"),
  ];
  const count = s.nodes.length / nf;
  const back = new Map<number, [number, string][]>();
  let e = 0;
  for (let n = 0; n < count; n++) {
    const ec = s.nodes[n * nf + eci]!;
    for (let k = 0; k < ec; k++, e += ef) {
      const et = etypes[s.edges[e]!]!;
      if (et === "weak") continue;
      const to = s.edges[e + 2]! / nf;
      const nm = et === "element" || et === "hidden" ? `[${s.edges[e + 1]}]` : s.strings[s.edges[e + 1]!]!;
      const l = back.get(to) ?? [];
      if (l.length < 3) l.push([n, nm]);
      back.set(to, l);
    }
  }
  const label = (n: number) => `${types[s.nodes[n * nf + ti]!]} ${s.strings[s.nodes[n * nf + ni]!]!.slice(0, 40)}`;
  const out: string[] = [];
  for (const g of groups) {
    let found = 0;
    for (let n = count >> 1; n < count && found < per; n++) {
      if (!label(n).startsWith(g)) continue;
      found++;
      let path = label(n);
      let at = n;
      for (let d = 0; d < depth; d++) {
        const r = back.get(at)?.[0];
        if (!r) break;
        path += ` <-${r[1]}- ${label(r[0])}`;
        at = r[0];
      }
      out.push(`  ${path}`);
    }
  }
  return out;
}
