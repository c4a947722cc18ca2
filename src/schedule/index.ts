export { ActiveWindows } from './windows.js';
export { CronScheduler, ManualScheduler, type CronSchedulerOptions, type Scheduler } from './scheduler.js';
export type { JobFn } from './jobs.js';
export {
  CAMPAIGN_JOBS,
  ScheduleSchema,
  startCampaignSchedule,
  type CampaignSchedule,
  type CampaignScheduleOptions,
  type ScheduleConfig,
} from './campaign-schedule.js';
export { CRON_ACCEPTED, cronProblem, parseCron, type CronExpression } from './cron-expression.js';
export { timeZoneProblem, wallClock, zonedParts, type ZonedParts } from './zoned-time.js';
