import { z } from 'zod';

/**
 * Building blocks of the event data schemas. Event data holds flat summaries and codes only (never
 * a secret), so every schema is an object of scalars or flat objects; each admits fields it does
 * not name, because a producer may add a field before every consumer knows it (additive change
 * within one schema version).
 */
export const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** `before` / `after`: only the fields a change touched, each a scalar. */
export const flatSummary = z.record(z.string(), scalar);

export const nullableString = z.string().nullable();

export function eventData<Shape extends z.ZodRawShape>(shape: Shape, description: string) {
  return z.looseObject(shape).describe(description);
}
