import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { InvalidInputError } from '../domain/errors.js';
import type { ReportData } from '../report/campaign-report.js';
import { ExportedExperimentSchema, type ExportedExperiment } from '../reproduce/original.js';
import { EXPORT_FORMAT, EXPORT_VERSION, MANIFEST } from './campaign-export.js';
import { ExportFormatError } from './errors.js';
import { ReportDataSchema } from './report-schema.js';
import { readTarGz, TarError } from './tar.js';

/** Largest record read (packed and unpacked): reports, charts and JSON for a big campaign fit many times over. */
export const MAX_RECORD_BYTES = 512 * 1024 * 1024;

const ManifestSchema = z.object({
  format: z.literal(EXPORT_FORMAT, { error: `expected "${EXPORT_FORMAT}"` }),
  version: z.literal(EXPORT_VERSION, { error: `expected version ${EXPORT_VERSION}; this aar reads only that` }),
  campaign: z.string().nullable(),
  createdAt: z.string(),
  versions: z.looseObject({ aar: z.string() }),
  files: z.array(z.object({ path: z.string(), bytes: z.int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) })).max(10_000),
});

/** An exported campaign record, checked: every file its manifest lists, unchanged, and nothing else. */
export interface ReadRecord {
  path: string;
  manifest: z.output<typeof ManifestSchema>;
  report: ReportData;
  experiments: ExportedExperiment[];
  files: Map<string, Buffer>;
}

function parseJson<S extends z.ZodType>(path: string, files: Map<string, Buffer>, name: string, schema: S): z.output<S> {
  const bytes = files.get(name);
  if (!bytes) throw new ExportFormatError(path, `it has no ${name}`);
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ExportFormatError(path, `${name} is not valid JSON`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new ExportFormatError(path, `${name}: ${i?.path.map(String).join('.') || '(root)'}: ${i?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/**
 * Reads a record `aar export` wrote, on any machine, as untrusted input: a tar.gz of regular
 * files only, each listed in the manifest with the sha256 it must have, and every JSON file
 * parsed with its schema. A missing file is bad input naming `flag` (e.g. --from).
 */
export function readCampaignRecord(path: string, flag = '--from'): ReadRecord {
  if (!existsSync(path) || !statSync(path).isFile()) throw new InvalidInputError('arguments', [{ field: flag, problem: `no file "${path}"; give the .tar.gz that aar export wrote` }]);
  if (statSync(path).size > MAX_RECORD_BYTES) throw new ExportFormatError(path, `larger than ${MAX_RECORD_BYTES} bytes`);
  let files: Map<string, Buffer>;
  try {
    files = readTarGz(readFileSync(path), { maxBytes: MAX_RECORD_BYTES });
  } catch (err) {
    if (err instanceof TarError) throw new ExportFormatError(path, err.message);
    throw err;
  }
  const manifest = parseJson(path, files, MANIFEST, ManifestSchema);
  const listed = new Set([MANIFEST]);
  for (const f of manifest.files) {
    const bytes = files.get(f.path);
    if (!bytes) throw new ExportFormatError(path, `${f.path} is listed in the manifest but missing`);
    if (createHash('sha256').update(bytes).digest('hex') !== f.sha256) throw new ExportFormatError(path, `${f.path} does not match its sha256 in the manifest (the file was changed or damaged)`);
    listed.add(f.path);
  }
  const extra = [...files.keys()].filter((p) => !listed.has(p));
  if (extra.length) throw new ExportFormatError(path, `files not in the manifest: ${extra.slice(0, 5).join(', ')}`);
  const report = parseJson(path, files, 'report-data.json', ReportDataSchema) as unknown as ReportData;
  const experiments = parseJson(path, files, 'experiments.json', z.array(ExportedExperimentSchema));
  return { path, manifest, report, experiments, files };
}
