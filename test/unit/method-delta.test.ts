import { describe, expect, it } from 'vitest';
import { methodDelta } from '../../src/domain/method-delta.js';

describe('methodDelta', () => {
  it('names changed, added and removed settings, with defaults filled in and the name ignored', () => {
    expect(methodDelta({ name: 'a' }, { name: 'b', labels: 'soft' })).toEqual([]);
    expect(methodDelta({ auxConf: { alphaMax: 0.75 }, filter: { keep: 0.5 } }, { auxConf: { alphaMax: 0.75, threshold: 'fixed' }, lr: 0.01 })).toEqual([
      'auxConf.threshold "adaptive" -> "fixed"',
      '+lr 0.01',
      '-filter.keep',
    ]);
  });

  it('method code counts as one setting', () => {
    const code = (source: string) => ({ code: { source } });
    expect(methodDelta({}, code('function weights(){}'))).toEqual(['+code']);
    expect(methodDelta(code('function weights(){}'), code('function weights(){ }'))).toEqual(['code changed']);
    expect(methodDelta(code('x'), {})).toEqual(['-code']);
  });
});
