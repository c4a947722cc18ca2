// Lets worker threads run from TypeScript sources (tests, `tsx`): registers tsx, then loads
// the thread entry. Compiled builds load dist/workers/w2s/thread.js directly.
import { register } from 'tsx/esm/api';

register();
await import('./thread.ts');
