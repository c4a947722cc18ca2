import { z } from 'zod';

/**
 * Predictions travel in columns: `ids[k]` was predicted as class `classes[k]`. Columns keep
 * JSON small and let scoring check 100,000 predictions in a few milliseconds (a string-keyed
 * object of that size costs tens of milliseconds just to enumerate).
 */
export const PredictionsSchema = z
  .strictObject({
    ids: z.array(z.string()),
    classes: z.array(z.int().min(0).max(255)),
  })
  .refine((p) => p.ids.length === p.classes.length, { message: 'ids and classes must have the same length', path: ['classes'] });

export type Predictions = z.output<typeof PredictionsSchema>;

/** Predictions from a map of id to class (convenient in tests and small trainers). */
export function predictionsFrom(map: Readonly<Record<string, number>>): Predictions {
  const ids = Object.keys(map);
  return { ids, classes: ids.map((id) => map[id]) };
}
