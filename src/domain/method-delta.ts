import { MethodSchema } from './method.js';

/** Dotted paths of a method's settings to their values (arrays and code as one value each). */
function flatten(v: unknown, prefix = '', out: Map<string, unknown> = new Map()): Map<string, unknown> {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) {
      const path = prefix ? `${prefix}.${k}` : k;
      // Method code is one setting: a diff of its source would not fit a line.
      if (path === 'code') out.set(path, JSON.stringify(x));
      else flatten(x, path, out);
    }
  } else if (prefix) out.set(prefix, v);
  return out;
}

// Defaults filled in, so `{}` and `{labels: "soft"}` are the same method.
const normalised = (m: Record<string, unknown>) => {
  const r = MethodSchema.safeParse(m);
  return r.success ? (r.data as Record<string, unknown>) : m;
};

const show = (path: string, v: unknown) => (path === 'code' ? 'its code' : JSON.stringify(v));

/**
 * What a method changed against its parent, one short phrase per setting, e.g.
 * `auxConf.alphaMax 0.75 -> 0.5`, `+earlyStopping.patience 3`, `-filter.keep`, `code changed`.
 * The name is left out: renaming is not a change of method.
 */
export function methodDelta(parent: Record<string, unknown>, child: Record<string, unknown>): string[] {
  const a = flatten(normalised(parent));
  const b = flatten(normalised(child));
  a.delete('name');
  b.delete('name');
  const out: string[] = [];
  for (const [path, v] of b) {
    if (!a.has(path)) out.push(path === 'code' ? '+code' : `+${path} ${show(path, v)}`);
    else if (JSON.stringify(a.get(path)) !== JSON.stringify(v)) out.push(path === 'code' ? 'code changed' : `${path} ${show(path, a.get(path))} -> ${show(path, v)}`);
  }
  for (const path of a.keys()) if (!b.has(path)) out.push(`-${path}`);
  return out;
}
