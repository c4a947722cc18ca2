import { TASKS } from '../../workers/w2s/tasks.js';
import type { TaskName } from '../../workers/w2s/data/types.js';
import { METHOD_CODE_HOOKS, MethodSchema } from './method.js';

/**
 * JavaScript with comments removed and whitespace collapsed, string, template and regex-free
 * literals kept as written: two sources that differ only in comments, indentation or line
 * breaks give the same text. A lexer-lite pass, not a parser: good enough to compare, never run.
 */
export function strippedSource(source: string): string {
  let out = '';
  let i = 0;
  let space = false;
  const n = source.length;
  const emitSpace = () => {
    // A space is kept only between two word characters, where removing it would join tokens.
    if (space && /[\w$]$/.test(out) && i < n && /[\w$]/.test(source[i])) out += ' ';
    space = false;
  };
  while (i < n) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < n && source[i] !== '\n') i++;
      space = true;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      space = true;
    } else if (/\s/.test(c)) {
      i++;
      space = true;
    } else if (c === '"' || c === "'" || c === '`') {
      emitSpace();
      let j = i + 1;
      while (j < n && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
      out += source.slice(i, j + 1);
      i = j + 1;
    } else {
      emitSpace();
      out += c;
      i++;
    }
  }
  return out;
}

// Names whose meaning does not depend on the method's own choice: keywords, globals, hook names
// and the hooks' argument fields. Every other identifier is the author's to rename.
const FIXED_NAMES = new Set([
  ...'break case catch class const continue debugger default delete do else export extends false finally for function if import in instanceof let new null of return static super switch this throw true try typeof undefined var void while with yield async await get set'.split(' '),
  ...'Math Number String Boolean Array Object JSON Infinity NaN Symbol Map Set WeakMap Date RegExp Error TypeError RangeError BigInt parseInt parseFloat isNaN isFinite Float32Array Float64Array Int8Array Int16Array Int32Array Uint8Array Uint16Array Uint32Array Uint8ClampedArray ArrayBuffer DataView globalThis'.split(' '),
  ...METHOD_CODE_HOOKS,
  ...'weak features dim weakFeatures weakDim classes n student epoch epochs'.split(' '),
]);

/**
 * `strippedSource` with the author's own identifiers renamed in order of first appearance
 * (v0, v1, …), property names after a dot, keywords, globals and the hooks' argument names kept:
 * two sources that differ only in what their variables and helpers are called give the same text.
 */
export function codeShape(source: string): string {
  const names = new Map<string, string>();
  let out = '';
  const s = strippedSource(source);
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < s.length && s[j] !== c) j += s[j] === '\\' ? 2 : 1;
      out += s.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const m = /^[A-Za-z_$][\w$]*/.exec(s.slice(i, i + 256));
    if (m && !/[\w$]/.test(s[i - 1] ?? '')) {
      const id = m[0];
      const afterDot = s[i - 1] === '.' && s[i - 2] !== '.';
      if (afterDot || FIXED_NAMES.has(id)) out += id;
      else {
        if (!names.has(id)) names.set(id, `v${names.size}`);
        out += names.get(id);
      }
      i += id.length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** The hooks a source defines by name (`function weights(`, `const weights =`, …), in METHOD_CODE_HOOKS order. */
export function definedHooks(source: string): string[] {
  return METHOD_CODE_HOOKS.filter((h) => new RegExp(`(?:function\\s*\\*?\\s*${h}\\s*\\(|(?:const|let|var)\\s+${h}\\s*=)`).test(source));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

/**
 * A method as it behaves, for vetoes and lineage: the name dropped, every schema default
 * filled, the task's tuned training settings filled where left out (so writing a default out
 * changes nothing), method code compared without comments, whitespace or its own names (`codeShape`), and its hooks listed
 * (left out means every hook the source defines). Two methods with the same normal form train
 * the same student on `task`.
 */
export function methodNormalForm(method: unknown, task?: string): Record<string, unknown> {
  const parsed = MethodSchema.safeParse(method);
  const m = { ...((parsed.success ? parsed.data : method) as Record<string, unknown>) };
  delete m.name;
  const defaults = task && Object.hasOwn(TASKS, task) ? TASKS[task as TaskName].student : undefined;
  if (defaults) {
    m.epochs ??= defaults.epochs;
    m.lr ??= defaults.lr;
    m.l2 ??= defaults.l2;
    m.batchSize ??= defaults.batchSize;
    m.head ??= defaults.head;
  }
  const code = m.code as { source?: unknown; hooks?: unknown } | undefined;
  if (code && typeof code.source === 'string') {
    const hooks = Array.isArray(code.hooks) ? [...code.hooks].map(String) : definedHooks(code.source);
    m.code = { source: codeShape(code.source), hooks: METHOD_CODE_HOOKS.filter((h) => hooks.includes(h)) };
  }
  return sortKeys(m) as Record<string, unknown>;
}

/** `methodNormalForm` as one comparable string. */
export function methodBehaviourKey(method: unknown, task?: string): string {
  return JSON.stringify(methodNormalForm(method, task));
}
