// `npm run bench`: prints the performance figures recorded in BENCHMARKS.md.
import { cpus, totalmem } from 'node:os';
import { benchFindings } from './findings.js';
import { benchGpu } from './gpu.js';
import { benchLabelReach } from './label-reach.js';
import { benchFaults } from './faults.js';
import { benchPipeline } from './pipeline.js';
import { benchPythonHooks } from './python-hooks.js';
import { benchRedTeam, benchStartFlags } from './red-team.js';
import { DEFAULT_SPLIT } from '../../src/campaign/campaign-file.js';
import { benchResearch } from './research.js';
import { benchSandbox } from './sandbox.js';
import { benchScale } from './scale.js';
import { benchTokens } from './tokens.js';
import { benchTrainer } from './trainer.js';
import { benchW2s } from './w2s.js';

console.log(`aar bench · ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}\n`);
const only = process.argv[2];
if (!only || only === 'w2s') await benchW2s();
if (!only || only === 'pipeline') await benchPipeline();
if (!only || only === 'tokens') await benchTokens();
if (!only || only === 'research') await benchResearch({ ...DEFAULT_SPLIT });
if (!only || only === 'red-team') await benchRedTeam();
// The honest `npm start` campaign's flags alone (also part of red-team).
if (only === 'start-flags') await benchStartFlags();
if (!only || only === 'trainer') await benchTrainer();
if (!only || only === 'findings') await benchFindings();
// Trusted baselines and the feature cache's test labels: only when asked for (`npm run bench label-reach`).
if (only === 'label-reach') benchLabelReach();
// The GPU trainer's phases at real sizes (tiny on a CPU): only when asked for (`npm run bench gpu`).
if (only === 'gpu') await benchGpu();
// Python method code through the GPU trainer with tiny models: only when asked for (`npm run bench python-hooks`).
if (only === 'python-hooks') await benchPythonHooks();
if (!only || only === 'sandbox') await benchSandbox();
// Minutes of real processes and kills: only when asked for (`npm run bench faults`).
if (only === 'faults') await benchFaults();
// Ledgers of up to 50,000 experiments: only when asked for (`npm run bench scale`).
if (only === 'scale') await benchScale();
