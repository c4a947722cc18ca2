/**
 * Trusted JavaScript that runs inside the isolate, BEFORE the method's source. It captures the
 * intrinsics it needs while they are still pristine (the method may later overwrite globals
 * and prototypes), removes the few globals that would reach memory outside the isolate's
 * heap limit, seeds Math.random so a run is reproducible, and evaluates to an object with:
 *
 * - load(source): runs the source at global scope (indirect eval) followed by BINDER, keeps
 *   the hooks it defined, and returns 'ok:' plus '0'/'1' flags in METHOD_CODE_HOOKS order;
 * - call(index, arg, rows, cols): calls one hook and turns its result into a Float64Array of
 *   exactly rows * cols numbers. The length is checked here, inside the isolate, so an
 *   enormous result is refused before anything is copied to the host, which validates the
 *   numbers again: nothing from here is trusted there.
 *
 * Neither lets anything the method threw cross to the host: both return a string saying what
 * went wrong instead. (isolated-vm copies a thrown error by reading its properties outside the
 * call's timeout: a `message` getter that loops forever would hang the host thread.)
 *
 * It is a string, not a function's source text, so no bundler or coverage tool can rewrite it.
 */
export const PRELUDE = String.raw`(function (seed) {
  'use strict';
  const g = globalThis;
  // WebAssembly.Memory buffers live outside the V8 heap and escape the isolate's memory limit
  // (measured: a 2 GB buffer filled under a 64 MB limit); shared memory has no use here.
  delete g.WebAssembly;
  delete g.SharedArrayBuffer;
  delete g.Atomics;
  // V8's own console (no inspector attached here, so it prints nothing) is swapped for a
  // plain no-op, so every global left is a pure ECMAScript intrinsic; console.log still works.
  const noop = function () {};
  g.console = { log: noop, info: noop, warn: noop, error: noop, debug: noop };
  // mulberry32: a method that samples gets the same numbers on every run of an experiment.
  let state = seed >>> 0;
  const imul = Math.imul;
  Math.random = function random() {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const F64 = Float64Array;
  const apply = Reflect.apply;
  const slice = String.prototype.slice;
  const globalEval = g.eval;
  let hooks = [undefined, undefined, undefined];

  // Where in the method's source an error was thrown: the first frame of the source itself,
  // "(eval at ... (aar-prelude.js:L:C), <anonymous>:line:col)" under the indirect eval below
  // (code the source builds with Function() has a frame of its own, which this skips).
  const exec = RegExp.prototype.exec;
  const FRAME = /\(aar-prelude\.js:\d+:\d+\), <anonymous>:(\d+):(\d+)\)/;
  function where(e) {
    try {
      const stack = e.stack;
      if (typeof stack !== 'string') return '';
      const m = apply(exec, FRAME, [stack]);
      return m ? ' (at line ' + m[1] + ', column ' + m[2] + ' of method.code.source)' : '';
    } catch (again) {
      return '';
    }
  }

  function cut(s) {
    return s.length > 400 ? apply(slice, s, [0, 400]) + '...' : s;
  }

  // Reads only strings, and survives getters that throw: a getter that loops is stopped by
  // the call's timeout, which JavaScript cannot catch.
  function thrown(e) {
    try {
      if (e !== null && (typeof e === 'object' || typeof e === 'function')) {
        const name = e.name;
        const message = e.message;
        return 'threw ' + (typeof name === 'string' ? cut(name) : 'a non-error object') + (typeof message === 'string' ? ': ' + cut(message) : '') + where(e);
      }
      return 'threw a ' + typeof e + (typeof e === 'string' ? ': ' + cut(e) : '');
    } catch (again) {
      return 'threw an error that cannot be read';
    }
  }

  function describe(v) {
    if (v === null) return 'null';
    if (typeof v !== 'object' && typeof v !== 'function') return typeof v;
    return 'an object without a numeric length';
  }

  function shape(r, rows, cols) {
    if (r === null || (typeof r !== 'object' && typeof r !== 'function')) {
      return 'returned ' + describe(r) + ', expected an array';
    }
    if (typeof r.then === 'function') {
      return 'returned a Promise or thenable; hooks must return their result synchronously';
    }
    const len = r.length;
    if (typeof len !== 'number' || !(len >= 0)) return 'returned ' + describe(r) + ', expected an array';
    const total = rows * cols;
    const first = len > 0 ? r[0] : undefined;
    if (cols > 1 && first !== null && typeof first === 'object') {
      if (len !== rows) return 'returned ' + len + ' rows, expected ' + rows;
      const out = new F64(total);
      for (let i = 0; i < rows; i++) {
        const row = r[i];
        if (row === null || typeof row !== 'object') return 'row ' + i + ' is ' + describe(row) + ', expected an array of ' + cols + ' numbers';
        const m = row.length;
        if (m !== cols) return 'row ' + i + ' has ' + (typeof m === 'number' ? m : describe(m)) + ' values, expected ' + cols;
        for (let j = 0; j < cols; j++) {
          const v = row[j];
          if (typeof v !== 'number') return 'row ' + i + ' value ' + j + ' is ' + describe(v) + ', expected a number';
          out[i * cols + j] = v;
        }
      }
      return out;
    }
    if (len !== total) {
      return cols === 1
        ? 'returned ' + len + ' values, expected ' + rows
        : 'returned ' + len + ' numbers, expected ' + rows + ' rows of ' + cols + ' (or ' + total + ' numbers row by row)';
    }
    const out = new F64(total);
    for (let i = 0; i < total; i++) {
      const v = r[i];
      if (typeof v !== 'number') return 'value ' + i + ' is ' + describe(v) + ', expected a number';
      out[i] = v;
    }
    return out;
  }

  return {
    __proto__: null,
    load(source, binder) {
      let found;
      try {
        // Indirect eval: global scope, like a script; the binder reads the source's top-level
        // functions and const/let in the same evaluation (later scripts see no const of it).
        found = globalEval(source + '\n;' + binder);
      } catch (e) {
        return thrown(e);
      }
      if (found === null || typeof found !== 'object') return 'did not leave the hooks readable';
      try {
        hooks = [found[0], found[1], found[2]];
      } catch (e) {
        return thrown(e);
      }
      return 'ok:' + (typeof hooks[0] === 'function' ? '1' : '0') + (typeof hooks[1] === 'function' ? '1' : '0') + (typeof hooks[2] === 'function' ? '1' : '0');
    },
    call(index, arg, rows, cols) {
      const fn = hooks[index];
      if (typeof fn !== 'function') return 'is not defined';
      try {
        return shape(apply(fn, undefined, [arg]), rows, cols);
      } catch (e) {
        return thrown(e);
      }
    },
  };
})`;

/**
 * Evaluated right after the method's source, in the same indirect eval: reads the hooks it
 * defined as function declarations or top-level const/let. Order: METHOD_CODE_HOOKS.
 */
export const BINDER = `[
  typeof transformLabels === 'function' ? transformLabels : undefined,
  typeof weights === 'function' ? weights : undefined,
  typeof epochTargets === 'function' ? epochTargets : undefined,
]`;
