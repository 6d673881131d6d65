// The import graph of the source tree, read with the TypeScript parser (no type checking):
// every static, type-only, re-export, side-effect and dynamic import, relative specifiers
// resolved to files. tests/layers.test.ts checks the layer rules and cycles over it.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

export const ROOT = resolve(import.meta.dir, "..");

/** One import: `to` is a repository path for a resolved relative import, else the bare specifier. */
export type Edge = { from: string; to: string; spec: string; line: number; typeOnly: boolean; resolved: boolean };

export type SourceFile = { path: string; ast: ts.SourceFile; imports: Edge[] };

const SKIP_DIRS = new Set(["node_modules", "dist", ".build-lock"]);

/** Every .ts/.tsx file under the given folders, as sorted repository paths. */
export function listSources(dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(ROOT, dir))) {
      const rel = `${dir}/${name}`;
      if (statSync(join(ROOT, rel)).isDirectory()) {
        if (!SKIP_DIRS.has(name)) walk(rel);
      } else if (/\.tsx?$/.test(name)) out.push(rel);
    }
  };
  for (const d of dirs) walk(d);
  return out.sort();
}

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();

/** A relative specifier as the bundler resolves it: as written, with .ts/.tsx added, or an index file. */
function resolveRelative(from: string, spec: string): string | null {
  const base = resolve(ROOT, dirname(from), spec.replace(/\?.*$/, ""));
  const candidates = [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts"), join(base, "index.tsx")];
  if (base.endsWith(".js")) candidates.push(base.replace(/\.js$/, ".ts"));
  const hit = candidates.find(isFile);
  return hit ? relative(ROOT, hit) : null;
}

const isTypeOnlyImport = (node: ts.ImportDeclaration) => {
  const clause = node.importClause;
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  const named = clause.namedBindings;
  return !clause.name && !!named && ts.isNamedImports(named) && named.elements.every((e) => e.isTypeOnly);
};

/** Parses one file and lists its imports. */
export function readSource(path: string): SourceFile {
  const text = readFileSync(join(ROOT, path), "utf8");
  const kind = path.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const ast = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
  const imports: Edge[] = [];
  const add = (lit: ts.Node, typeOnly: boolean) => {
    if (!ts.isStringLiteralLike(lit)) return;
    const spec = lit.text;
    const line = ast.getLineAndCharacterOfPosition(lit.getStart(ast)).line + 1;
    const rel = spec.startsWith(".") ? resolveRelative(path, spec) : null;
    imports.push({ from: path, to: rel ?? spec, spec, line, typeOnly, resolved: rel !== null });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, isTypeOnlyImport(node));
    else if (ts.isExportDeclaration(node) && node.moduleSpecifier) add(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference))
      add(node.moduleReference.expression, node.isTypeOnly);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal, true);
    else if (ts.isCallExpression(node) && node.arguments.length > 0) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === "require"))
        add(node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(ast);
  return { path, ast, imports };
}

/** A runtime module: `bun:…`, `node:…` or a bare Node built-in. */
export const isRuntimeSpecifier = (spec: string) =>
  /^(bun|node):/.test(spec) || spec === "bun" || builtinModules.includes(spec.split("/")[0]);

/** The npm package a bare specifier names (`@scope/name` or `name`). */
export const packageOf = (spec: string) =>
  spec
    .split("/")
    .slice(0, spec.startsWith("@") ? 2 : 1)
    .join("/");

const NAMED_DECLARATIONS = (n: ts.Node): n is ts.NamedDeclaration =>
  ts.isVariableDeclaration(n) ||
  ts.isParameter(n) ||
  ts.isFunctionDeclaration(n) ||
  ts.isClassDeclaration(n) ||
  ts.isBindingElement(n) ||
  ts.isImportSpecifier(n) ||
  ts.isImportClause(n) ||
  ts.isNamespaceImport(n);

/** Whether an identifier is a name the code looks up (not a property, key or declaration name). */
function isReference(id: ts.Identifier): boolean {
  const p = id.parent;
  if (ts.isPropertyAccessExpression(p) && p.name === id) return false;
  if (ts.isQualifiedName(p) && p.right === id) return false;
  if ((ts.isImportSpecifier(p) || ts.isExportSpecifier(p) || ts.isBindingElement(p)) && p.propertyName === id)
    return false;
  if (NAMED_DECLARATIONS(p) && p.name === id) return false;
  if (
    (ts.isPropertyAssignment(p) ||
      ts.isPropertySignature(p) ||
      ts.isPropertyDeclaration(p) ||
      ts.isMethodDeclaration(p) ||
      ts.isMethodSignature(p) ||
      ts.isGetAccessorDeclaration(p) ||
      ts.isSetAccessorDeclaration(p) ||
      ts.isEnumMember(p) ||
      ts.isJsxAttribute(p)) &&
    p.name === id
  )
    return false;
  return !(ts.isLabeledStatement(p) && p.label === id);
}

/**
 * Where a file uses one of the given globals: references in code and types (comments and
 * strings never count, being no identifiers), also as `globalThis.name`; members such as
 * "Date.now"; and a clock read by `new Date()` or `Date()` with no argument when "Date()" is
 * asked for. A name the file declares itself (a parameter `fetch`, say) is its own, not the
 * global, and is skipped for that file (tsconfig.core.json, with no DOM or Bun types, is the
 * second net: there an undeclared global does not compile).
 */
export function globalUses(file: SourceFile, names: string[]): { name: string; line: number }[] {
  const declared = new Set<string>();
  const scan = (node: ts.Node) => {
    if (NAMED_DECLARATIONS(node) && node.name && ts.isIdentifier(node.name)) declared.add(node.name.text);
    ts.forEachChild(node, scan);
  };
  scan(file.ast);
  const plain = new Set(names.filter((n) => /^\w+$/.test(n) && !declared.has(n)));
  const members = new Set(names.filter((n) => n.includes(".")));
  const out: { name: string; line: number }[] = [];
  const at = (node: ts.Node) => file.ast.getLineAndCharacterOfPosition(node.getStart(file.ast)).line + 1;
  const visit = (node: ts.Node) => {
    if (ts.isIdentifier(node) && plain.has(node.text) && isReference(node))
      out.push({ name: node.text, line: at(node) });
    if (
      ts.isPropertyAccessExpression(node) &&
      ts.isIdentifier(node.expression) &&
      !declared.has(node.expression.text)
    ) {
      const name = `${node.expression.text}.${node.name.text}`;
      const viaGlobal = node.expression.text === "globalThis" && names.includes(node.name.text);
      if (members.has(name) || viaGlobal) out.push({ name, line: at(node) });
    }
    if (
      (ts.isNewExpression(node) || ts.isCallExpression(node)) &&
      names.includes("Date()") &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === "Date" &&
      !declared.has("Date") &&
      (node.arguments?.length ?? 0) === 0
    )
      out.push({ name: ts.isNewExpression(node) ? "new Date()" : "Date()", line: at(node) });
    ts.forEachChild(node, visit);
  };
  visit(file.ast);
  return out;
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
export function cycles(nodes: string[], edges: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (edges.get(v) ?? []).includes(v)) out.push(scc.sort());
  };
  for (const v of nodes) if (!index.has(v)) strong(v);
  return out;
}

/** One shortest loop through a component's first file, for a readable report: a → b → … → a. */
export function loopThrough(scc: string[], edges: Map<string, string[]>): string[] {
  const inside = new Set(scc);
  const start = scc[0];
  const prev = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    for (const w of edges.get(queue[i]) ?? []) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let at = queue[i]; at !== start; at = prev.get(at)!) path.unshift(at);
        return [start, ...path];
      }
      if (!prev.has(w)) {
        prev.set(w, queue[i]);
        queue.push(w);
      }
    }
  }
  return scc;
}
