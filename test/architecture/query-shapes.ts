/**
 * The query shapes the code sends to MongoDB, read from the source: every model call that filters
 * or sorts, with its filter's fields (equality or range) and its `.sort()` keys. Filters are read
 * from object literals, following what a reader of the code would follow: a local variable and the
 * fields assigned to it (a field assigned under a condition makes two shapes), a conditional or a
 * spread of a helper's returned literals, `$or` (each branch is a shape of its own: each must be
 * served) and a parameter passed in by the callers in the same file. What cannot be read that way
 * needs a `query-shape:` comment above the statement saying which shapes an index must serve;
 * without one the call is reported unresolved, never skipped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseSync } from '@swc/core';

export type Direction = 1 | -1;
export interface QueryShape {
  file: string;
  line: number;
  receiver: string;
  equality: string[];
  sort: [string, Direction][];
  range: string[];
  /** true when the shape comes from a `query-shape:` comment, not from the code */
  declared: boolean;
}
export interface Unresolved {
  file: string;
  line: number;
  reason: string;
}

type Node = any;
type Fields = Map<string, 'eq' | 'range'>;

const FILTER_FIRST = new Set(['find', 'findOne', 'exists', 'countDocuments', 'updateOne', 'updateMany', 'deleteOne', 'deleteMany', 'findOneAndUpdate', 'findOneAndDelete', 'findOneAndReplace', 'replaceOne']);
const OPAQUE = new Set(['aggregate', 'bulkWrite']);
const EQUALITY_OPS = new Set(['$in', '$eq', '$all']);
const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression', 'ClassMethod', 'Constructor']);
const STATEMENTS = new Set(['ExpressionStatement', 'VariableDeclaration', 'ReturnStatement']);
const MAX_OPTIONAL = 3;

class CannotRead extends Error {}

interface Source {
  file: string;
  text: string;
  bytes: Buffer;
  base: number;
  nodes: Node[];
  parent: Map<Node, Node>;
}

const parsed = new Map<string, Source>();

function parse(file: string): Source {
  const known = parsed.get(file);
  if (known) return known;
  const text = fs.readFileSync(file, 'utf8');
  // the leading `;` anchors the module's span at offset 0 (swc's positions run on across parses)
  const module = parseSync(`;${text}`, { syntax: 'typescript', comments: false });
  const source: Source = { file, text, bytes: Buffer.from(text), base: module.span.start + 1, nodes: [], parent: new Map() };
  const walk = (node: unknown, parent: Node) => {
    if (Array.isArray(node)) return node.forEach((child) => walk(child, parent));
    if (!node || typeof node !== 'object') return;
    const typed = typeof (node as Node).type === 'string';
    if (typed) {
      source.nodes.push(node);
      source.parent.set(node, parent);
    }
    for (const [key, child] of Object.entries(node)) if (key !== 'span' && key !== 'ctxt') walk(child, typed ? node : parent);
  };
  walk(module, undefined);
  parsed.set(file, source);
  return source;
}

const lineOf = (src: Source, node: Node) => src.bytes.subarray(0, Math.max(0, node.span.start - src.base)).toString('utf8').split('\n').length;
const unwrap = (node: Node): Node =>
  ['ParenthesisExpression', 'TsAsExpression', 'TsSatisfiesExpression', 'TsNonNullExpression', 'TsConstAssertion', 'TsTypeAssertion'].includes(node?.type) ? unwrap(node.expression) : node;
const keyName = (key: Node): string | undefined =>
  key.type === 'Identifier' || key.type === 'StringLiteral' ? key.value : key.type === 'Computed' && unwrap(key.expression).type === 'StringLiteral' ? unwrap(key.expression).value : undefined;

function ancestors(src: Source, node: Node): Node[] {
  const found: Node[] = [];
  for (let at = src.parent.get(node); at; at = src.parent.get(at)) found.push(at);
  return found;
}
const enclosingFunction = (src: Source, node: Node) => ancestors(src, node).find((a) => FUNCTIONS.has(a.type));
const within = (src: Source, node: Node, scope: Node | undefined) => !scope || ancestors(src, node).includes(scope);

/** Source text of an expression (receivers are named by it). */
const textOf = (src: Source, node: Node) => src.bytes.subarray(node.span.start - src.base, node.span.end - src.base).toString('utf8');

interface Context {
  src: Source;
  at: Node;
  depth: number;
}

function declaration(ctx: Context, name: string): Node | undefined {
  const scope = enclosingFunction(ctx.src, ctx.at);
  const candidates = ctx.src.nodes.filter(
    (n) => n.type === 'VariableDeclarator' && n.id?.type === 'Identifier' && n.id.value === name && n.span.start < ctx.at.span.start,
  );
  return candidates.filter((n) => within(ctx.src, n, scope)).at(-1) ?? candidates.find((n) => !enclosingFunction(ctx.src, n));
}

/** Equality or range, from the value a filter gives a field. */
function classify(value: Node, ctx: Context): 'eq' | 'range' {
  const v = unwrap(value);
  if (v.type === 'ObjectExpression') {
    const ops = v.properties.map((p: Node) => (p.type === 'KeyValueProperty' ? keyName(p.key) : undefined));
    if (ops.length === 0 || !ops.every((op: string | undefined) => op?.startsWith('$'))) return 'eq';
    return ops.every((op: string) => EQUALITY_OPS.has(op)) ? 'eq' : 'range';
  }
  if (v.type === 'ConditionalExpression') return classify(v.consequent, ctx) === 'range' || classify(v.alternate, ctx) === 'range' ? 'range' : 'eq';
  if (v.type === 'BinaryExpression' && ['??', '||'].includes(v.operator)) return classify(v.left, ctx) === 'range' || classify(v.right, ctx) === 'range' ? 'range' : 'eq';
  if (v.type === 'Identifier') {
    const decl = declaration({ ...ctx, at: v }, v.value);
    if (decl?.init) return classify(decl.init, { ...ctx, at: decl });
  }
  return 'eq';
}

const merge = (a: Fields, b: Fields): Fields => {
  const out = new Map(a);
  for (const [field, kind] of b) out.set(field, out.get(field) === 'eq' ? 'eq' : kind);
  return out;
};
const product = (as: Fields[], bs: Fields[]) => as.flatMap((a) => bs.map((b) => merge(a, b)));

function objectVariants(obj: Node, ctx: Context): Fields[] {
  let variants: Fields[] = [new Map()];
  for (const prop of obj.properties) {
    if (prop.type === 'SpreadElement') variants = product(variants, filterVariants(prop.arguments, ctx));
    else if (prop.type === 'Identifier') variants = product(variants, [new Map([[prop.value, 'eq']])]);
    else if (prop.type === 'KeyValueProperty') {
      const key = keyName(prop.key);
      if (key === undefined) throw new CannotRead('a computed filter key');
      if (key === '$or') variants = product(variants, arrayOf(prop.value, ctx).flatMap((branch) => filterVariants(branch, ctx)));
      else if (key === '$and') variants = product(variants, arrayOf(prop.value, ctx).reduce((acc, part) => product(acc, filterVariants(part, ctx)), [new Map()] as Fields[]));
      else if (key.startsWith('$')) throw new CannotRead(`the operator ${key} at the top of a filter`);
      else variants = product(variants, [new Map([[key, classify(prop.value, ctx)]])]);
    } else throw new CannotRead(`a filter property of kind ${prop.type}`);
  }
  return variants;
}

function arrayOf(value: Node, ctx: Context): Node[] {
  const v = unwrap(value);
  if (v.type !== 'ArrayExpression' || v.elements.some((e: Node) => !e || e.spread)) throw new CannotRead(`an $or/$and that is not an array literal (${textOf(ctx.src, v)})`);
  return v.elements.map((e: Node) => e.expression);
}

/** The field sets a filter expression can take. */
function filterVariants(expr: Node, ctx: Context): Fields[] {
  if (ctx.depth > 4) throw new CannotRead('a filter passed on too many times');
  const e = unwrap(expr);
  if (e.type === 'ObjectExpression') return objectVariants(e, ctx);
  if (e.type === 'ConditionalExpression') return [...filterVariants(e.consequent, ctx), ...filterVariants(e.alternate, ctx)];
  if (e.type === 'Identifier') return identifierVariants(e, ctx);
  if (e.type === 'CallExpression' && unwrap(e.callee).type === 'Identifier') return returnedVariants(unwrap(e.callee).value, ctx);
  throw new CannotRead(`a filter built by ${textOf(ctx.src, e).slice(0, 60)}`);
}

function identifierVariants(id: Node, ctx: Context): Fields[] {
  const decl = declaration({ ...ctx, at: id }, id.value);
  if (decl?.init) {
    let variants = filterVariants(decl.init, { ...ctx, at: decl });
    const scope = enclosingFunction(ctx.src, decl);
    const assignments = ctx.src.nodes.filter(
      (n) => n.type === 'AssignmentExpression' && n.left?.type === 'MemberExpression' && unwrap(n.left.object).type === 'Identifier' &&
        unwrap(n.left.object).value === id.value && n.span.start > decl.span.start && n.span.start < ctx.at.span.start && within(ctx.src, n, scope),
    );
    let optional = 0;
    for (const assignment of assignments) {
      const key = assignment.left.property.type === 'Identifier' ? assignment.left.property.value : keyName(assignment.left.property);
      if (key === undefined) throw new CannotRead(`a field assigned to ${id.value} under a computed name`);
      const added = key === '$or' ? arrayOf(assignment.right, ctx).flatMap((b) => filterVariants(b, ctx)) : [new Map([[key, classify(assignment.right, { ...ctx, at: assignment })]]) as Fields];
      const conditional = ancestors(ctx.src, assignment).slice(0, ancestors(ctx.src, assignment).indexOf(scope)).some((a) => a.type === 'IfStatement');
      if (conditional && ++optional > MAX_OPTIONAL) throw new CannotRead(`more than ${MAX_OPTIONAL} optional fields assigned to ${id.value}`);
      variants = conditional ? [...variants, ...product(variants, added)] : product(variants, added);
    }
    return variants;
  }
  return parameterVariants(id, ctx);
}

/** A filter that is a parameter: what the callers in the same file pass. */
function parameterVariants(id: Node, ctx: Context): Fields[] {
  const fn = enclosingFunction(ctx.src, ctx.at);
  const params: Node[] = fn?.type === 'ClassMethod' ? fn.function.params : (fn?.params ?? []);
  const index = params.findIndex((p) => (p.pat ?? p).type === 'Identifier' && (p.pat ?? p).value === id.value);
  const name = fn?.type === 'ClassMethod' ? keyName(fn.key) : fn?.identifier?.value;
  if (index < 0 || !name) throw new CannotRead(`the filter ${id.value}, which is neither a local literal nor a parameter`);
  const calls = ctx.src.nodes.filter((n) => {
    if (n.type !== 'CallExpression') return false;
    const callee = unwrap(n.callee);
    return (callee.type === 'Identifier' && callee.value === name) ||
      (callee.type === 'MemberExpression' && callee.object.type === 'ThisExpression' && callee.property.value === name);
  });
  if (calls.length === 0) throw new CannotRead(`the filter parameter ${id.value} of ${name}, which nothing in the file calls`);
  return calls.flatMap((call) => filterVariants(call.arguments[index].expression, { src: ctx.src, at: call, depth: ctx.depth + 1 }));
}

/** A filter part returned by a function of this file or of a relative import. */
function returnedVariants(name: string, ctx: Context): Fields[] {
  let src = ctx.src;
  const imported = src.nodes.find((n) => n.type === 'ImportDeclaration' && n.specifiers.some((s: Node) => s.local.value === name));
  if (imported) {
    if (!imported.source.value.startsWith('.')) throw new CannotRead(`a filter built by ${name} from ${imported.source.value}`);
    src = parse(`${path.resolve(path.dirname(src.file), imported.source.value)}.ts`);
  }
  const fn = src.nodes.find((n) => n.type === 'FunctionDeclaration' && n.identifier.value === name);
  if (!fn) throw new CannotRead(`a filter built by ${name}, not a function declared in reach`);
  const returns = src.nodes.filter((n) => n.type === 'ReturnStatement' && n.argument && enclosingFunction(src, n) === fn);
  return returns.flatMap((r) => filterVariants(r.argument, { src, at: r, depth: ctx.depth + 1 }));
}

/** `.sort({...})` anywhere in the chain that continues the query call. */
function sortOf(call: Node, ctx: Context): [string, Direction][] {
  let sort: [string, Direction][] = [];
  for (let at = call; ; ) {
    const member = ctx.src.parent.get(at);
    const next = member && ctx.src.parent.get(member);
    if (member?.type !== 'MemberExpression' || next?.type !== 'CallExpression' || unwrap(next.callee) !== member) return sort;
    if (member.property.value === 'sort') {
      const spec = unwrap(next.arguments[0]?.expression);
      if (spec?.type !== 'ObjectExpression') throw new CannotRead('a sort that is not an object literal');
      sort = spec.properties.map((p: Node) => [keyName(p.key) ?? '?', direction(p.value, spec.properties.length)]);
    }
    at = next;
  }
}

function direction(value: Node, keys: number): Direction {
  const v = unwrap(value);
  if (v.type === 'NumericLiteral') return v.value < 0 ? -1 : 1;
  if (v.type === 'UnaryExpression' && v.operator === '-') return -1;
  if (v.type === 'StringLiteral') return /^desc/.test(v.value) ? -1 : 1;
  // either way round, one key is served by the same index walked forward or backward
  if (keys === 1) return 1;
  throw new CannotRead('a sort direction chosen at run time on a sort of several keys');
}

/** `query-shape: equal a,b; sort c:-1,_id:-1; range c` in the comment block above the statement. */
function declaredShapes(call: Node, ctx: Context): Omit<QueryShape, 'file' | 'line' | 'receiver'>[] {
  const statement = ancestors(ctx.src, call).find((a) => STATEMENTS.has(a.type)) ?? call;
  const lines = ctx.src.text.split('\n');
  const found: Omit<QueryShape, 'file' | 'line' | 'receiver'>[] = [];
  for (let i = lineOf(ctx.src, statement) - 2; i >= 0 && lines[i]!.trim().startsWith('//'); i--) {
    const match = /query-shape:\s*(.*)$/.exec(lines[i]!);
    if (!match) continue;
    const parts = Object.fromEntries(match[1]!.split(';').map((p) => p.trim().split(/\s+/)).map(([k, v]) => [k, (v ?? '').split(',').filter(Boolean)]));
    found.push({
      equality: parts.equal ?? [],
      sort: (parts.sort ?? []).map((s: string) => [s.split(':')[0]!, s.endsWith(':-1') ? -1 : 1]),
      range: parts.range ?? [],
      declared: true,
    });
  }
  return found;
}

export function queryShapes(files: string[], root: string): { shapes: QueryShape[]; unresolved: Unresolved[] } {
  const shapes: QueryShape[] = [];
  const unresolved: Unresolved[] = [];
  for (const file of files) {
    const src = parse(file);
    const rel = path.relative(root, file);
    for (const call of src.nodes.filter((n) => n.type === 'CallExpression' && unwrap(n.callee).type === 'MemberExpression')) {
      const callee = unwrap(call.callee);
      const method = callee.property?.value as string;
      const first = call.arguments[0] && unwrap(call.arguments[0].expression);
      const isQuery = FILTER_FIRST.has(method) || OPAQUE.has(method) || method === 'findById' || method === 'distinct';
      // an array's find takes a function; a model's takes a filter
      if (!isQuery || (first && /Function|Arrow/.test(first.type))) continue;
      const ctx: Context = { src, at: call, depth: 0 };
      const where = { file: rel, line: lineOf(src, call), receiver: textOf(src, unwrap(callee.object)) };
      try {
        const declared = declaredShapes(call, ctx);
        if (declared.length > 0) {
          shapes.push(...declared.map((shape) => ({ ...where, ...shape })));
          continue;
        }
        if (OPAQUE.has(method)) throw new CannotRead(`${method} (its pipeline or operations are not read)`);
        const variants: Fields[] =
          method === 'findById' ? [new Map([['_id', 'eq']])]
          : method === 'distinct' ? (call.arguments[1] ? filterVariants(call.arguments[1].expression, ctx) : [new Map()])
          : first ? filterVariants(first, ctx) : [new Map()];
        const sort = sortOf(call, ctx);
        for (const fields of variants) {
          const of = (kind: string) => [...fields].filter(([, k]) => k === kind).map(([f]) => f).sort();
          shapes.push({ ...where, equality: of('eq'), sort, range: of('range'), declared: false });
        }
      } catch (err) {
        if (!(err instanceof CannotRead)) throw err;
        unresolved.push({ ...where, reason: err.message });
      }
    }
  }
  return { shapes, unresolved };
}
