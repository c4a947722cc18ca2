// Method code: researchers' JavaScript hooks, run in an isolated-vm sandbox.
export { MethodCode, type MethodCodeData } from './hooks.js';
export { DEFAULT_SANDBOX_LIMITS, MethodSandbox, type SandboxLimits } from './sandbox.js';
export { checkProbabilities, checkWeights } from './validate.js';
export {
  AUX_CONF_EPOCHS_CODE,
  CONFIDENCE_WEIGHTS_CODE,
  EXECUTE_PROGRAMS_CHEAT_CODE,
  HONEST_KNN_CODE,
  MAJORITY_CHEAT_CODE,
} from './examples.js';
