import { inject } from 'vitest';

/**
 * The Python (with torch and transformers) that test/global-setup.ts found or made for the GPU
 * trainer's tests; a test that needs it fails, never skips, when there is none.
 */
export function injectedTrainerPython(): string {
  const found = inject('trainerPython');
  if (!found.python) throw new Error(`No Python for the trainer's tests: ${found.problem}`);
  return found.python;
}
