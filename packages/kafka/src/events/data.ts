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

/** The change a lifecycle event records: the touched fields before and after it. */
export const changeSummary = { before: flatSummary.optional(), after: flatSummary.optional() };

export const nullableString = z.string().nullable();

export function eventData<Shape extends z.ZodRawShape>(shape: Shape, description: string) {
  return z.looseObject(shape).describe(description);
}

/** Builds the data schema of one event type from its description (and the fields only it adds). */
export type DataOf = (description: string, extra?: z.ZodRawShape) => z.ZodType;

/**
 * The event types of one object (one subject pattern) whose data share one builder, in the order
 * the contract lists them: `{ type: description }`, or `{ type: [description, fields only this
 * type adds] }`.
 */
export function eventsAbout<const Type extends string>(subject: string, data: DataOf, events: Record<Type, string | [string, z.ZodRawShape]>) {
  return (Object.entries(events) as [Type, string | [string, z.ZodRawShape]][]).map(([type, spec]) => ({
    type,
    subject,
    data: typeof spec === 'string' ? data(spec) : data(...spec),
  }));
}
