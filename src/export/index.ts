export { collectCampaignRecord, EXPORT_FORMAT, EXPORT_VERSION, MANIFEST, packCampaignRecord, redactDeep, renderedReport, type CampaignRecord } from './campaign-export.js';
export { ExportFormatError } from './errors.js';
export { MAX_RECORD_BYTES, readCampaignRecord, type ReadRecord } from './read.js';
export { ReportDataSchema } from './report-schema.js';
export { isSafePath, readTarGz, TarError, writeTarGz, type TarEntry } from './tar.js';
