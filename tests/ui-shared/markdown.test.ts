// The composer's markdown (issue 16): blocks of ui/shared/markdown.ts and ~~strike~~ of
// parseInline, each construct, the nesting limit, HTML-looking input staying text, and
// pathological input parsed in bounded time. Both UIs render these blocks (web: rich-blocks.tsx,
// TUI: markup.ts), so what is tested here is what both show.
import { describe, expect, test } from "bun:test";
import { MAY_HAVE_BLOCKS, parseInline } from "../../ui/shared/format.ts";
import { type Block, MAX_QUOTE_DEPTH, parseBlocks } from "../../ui/shared/markdown.ts";

const kinds = (s: string) => parseInline(s).map((t) => `${t.t}:${t.text}`);

describe("blocks", () => {
  test("a message without blocks is one paragraph, leading and trailing blank lines dropped", () => {
    expect(parseBlocks("hello **there**\nsecond line")).toEqual([{ t: "p", text: "hello **there**\nsecond line" }]);
    expect(parseBlocks("\n\nhi\n\n")).toEqual([{ t: "p", text: "hi" }]);
    expect(parseBlocks("")).toEqual([]);
  });

  test("a fenced code block keeps its lines and whitespace as written; the language word goes", () => {
    const text = "look:\n```ts\nif (a) {\n    b();  \n}\n\n```\nafter";
    expect(parseBlocks(text)).toEqual([
      { t: "p", text: "look:" },
      { t: "code", text: "if (a) {\n    b();  \n}\n" },
      { t: "p", text: "after" },
    ]);
    // markdown inside a code block is not markdown
    expect(parseBlocks("```\n**no** > - 1.\n```")).toEqual([{ t: "code", text: "**no** > - 1." }]);
  });

  test("```one line```, an unclosed fence (to the end), and words after the fence that are no language", () => {
    expect(parseBlocks("```x = 1```")).toEqual([{ t: "code", text: "x = 1" }]);
    expect(parseBlocks("```\nopen\nstill code")).toEqual([{ t: "code", text: "open\nstill code" }]);
    expect(parseBlocks("```not a language\nline")).toEqual([{ t: "code", text: "not a language\nline" }]);
  });

  test("quotes: '> ' lines, with blocks inside them", () => {
    expect(parseBlocks("> said\n> this\nreply")).toEqual([
      { t: "quote", body: [{ t: "p", text: "said\nthis" }] },
      { t: "p", text: "reply" },
    ]);
    expect(parseBlocks("> - a\n> - b")).toEqual([
      { t: "quote", body: [{ t: "list", start: null, items: ["a", "b"] }] },
    ]);
    // ">" needs a space after it (or nothing): ">_<" is a face, not a quote
    expect(parseBlocks(">_< oops")).toEqual([{ t: "p", text: ">_< oops" }]);
  });

  test("lists: bullets (-, *, +) and numbers keep their start; a change of kind starts a new list", () => {
    expect(parseBlocks("- one\n* two\n+ three")).toEqual([{ t: "list", start: null, items: ["one", "two", "three"] }]);
    expect(parseBlocks("3. c\n4) d\n- e")).toEqual([
      { t: "list", start: 3, items: ["c", "d"] },
      { t: "list", start: null, items: ["e"] },
    ]);
    // no space, no list: "-5 degrees", "*italic*", "1.5 litres"
    expect(parseBlocks("-5 degrees\n*italic*\n1.5 litres").map((b) => b.t)).toEqual(["p"]);
  });

  test(`quotes nest at most ${MAX_QUOTE_DEPTH} deep; deeper markers stay text`, () => {
    const deep = parseBlocks("> > > > > five");
    let b: Block | undefined = deep[0];
    let depth = 0;
    while (b?.t === "quote") {
      depth++;
      b = b.body[0];
    }
    expect(depth).toBe(MAX_QUOTE_DEPTH);
    expect(b).toEqual({ t: "p", text: "> > five" });
  });

  test("HTML-looking input stays text in every block", () => {
    const html = "<img src=x onerror=alert(1)><script>alert(1)</script><b>b</b>";
    const blocks = parseBlocks(`${html}\n> ${html}\n- ${html}\n\`\`\`\n${html}\n\`\`\``);
    expect(JSON.stringify(blocks).match(/<img src=x onerror=alert\(1\)>/g)?.length).toBe(4);
    expect(kinds(html)).toEqual([`text:${html}`]);
  });

  test("MAY_HAVE_BLOCKS is loose but never misses: without it the parse is one paragraph", () => {
    const samples = [
      "hi",
      "a\nb",
      "5 > 3",
      "x - y",
      "a ``` b",
      "well\n- item",
      "> q",
      "  1. x",
      "```\nc\n```",
      "**b** and *i*",
      "1.5 litres",
      "-5 degrees",
    ];
    for (const s of samples) {
      const one = parseBlocks(s);
      if (!MAY_HAVE_BLOCKS.test(s)) expect(one).toEqual([{ t: "p", text: s }]);
      if (one.some((b) => b.t !== "p")) expect(MAY_HAVE_BLOCKS.test(s)).toBe(true);
    }
  });
});

describe("~~strikethrough~~", () => {
  test("with the other inline marks; not across lines; tildes alone stay text", () => {
    expect(kinds("a ~~gone~~ **b** ~~x~~")).toEqual([
      "text:a ",
      "strike:gone",
      "text: ",
      "bold:b",
      "text: ",
      "strike:x",
    ]);
    expect(kinds("~~a\nb~~")).toEqual(["text:~~a\nb~~"]);
    expect(kinds("~ ~~ ~~~")).toEqual(["text:~ ~~ ~~~"]);
    expect(kinds("**a~b**")).toEqual(["bold:a~b"]);
  });
});

describe("pathological input is parsed in bounded time", () => {
  const big = 64 * 1024; // 8x the largest message a peer sends (MAX_TEXT_BYTES)
  const cases: [string, string][] = [
    ["openers without closers", "**a ~~b `c [d *e _f ".repeat(big / 20)],
    ["quote markers", "> ".repeat(big / 2)],
    ["quote lines, deep", "> > > > > > x\n".repeat(big / 14)],
    ["fences", "```\n".repeat(big / 4)],
    ["list items", "- a\n1. b\n".repeat(big / 10)],
    ["mentions and links", "@a http://x.y/ [a](http://b) ".repeat(big / 30)],
  ];
  for (const [name, text] of cases)
    test(name, () => {
      const t0 = performance.now();
      const blocks = parseBlocks(text);
      const walk = (bs: Block[]): void => {
        for (const b of bs)
          if (b.t === "p") parseInline(b.text, ["me"], ["a"]);
          else if (b.t === "quote") walk(b.body);
          else if (b.t === "list") for (const i of b.items) parseInline(i);
      };
      walk(blocks);
      expect(performance.now() - t0).toBeLessThan(1500);
    });
});
