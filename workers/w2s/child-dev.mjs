// Lets the guarded child run from TypeScript sources (tests, `tsx`): registers tsx, then loads
// the child entry. Compiled builds run dist/workers/w2s/child.js directly.
import { register } from 'tsx/esm/api';

register();
await import('./child.ts');
