export { exportTaskData, EXPORT_FILES, MAX_SPLIT_SEED, type ExportCounts, type ExportedTask, type ExportOptions } from './export-data.js';
export { ExportExistsError, ExportMismatchError } from './errors.js';
export { itemTexts, spamText, SPAM_BODY_MAX_CHARS } from './item-texts.js';
export { TASK_SOURCES, type TaskSource } from './sources.js';
