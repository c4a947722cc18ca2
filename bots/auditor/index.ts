export { AUDITOR, AuditTrail, auditPost, type AuditCase, type AuditReason, type AuditTrailOptions, type VerdictSource } from './audit-trail.js';
export { runChecks, THRESHOLDS, verdictOf, type AuditVerdict, type CheckContext, type CheckName, type Finding, type Severity } from './checks.js';
export { ClaudeAuditor, VERDICT_TOOL, type ClaudeAuditorOptions } from './claude-auditor.js';
export { HeuristicAuditor, type HeuristicAuditorOptions } from './heuristic-auditor.js';
export { auditCasePrompt, auditorSystemPrompt, type AuditCasePromptInput, type AuditorPromptInput } from './prompts.js';
