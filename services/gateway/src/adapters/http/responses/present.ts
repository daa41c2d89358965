import { z } from '@tenantatlas/core';

/**
 * The one rule for absent values in every response: `null`, never a protobuf default (`""`, a
 * missing message). A field declared nullable in a resource schema turns `""`/`undefined` into
 * `null`; every timestamp is RFC 3339.
 */
export const text = () => z.string().nullable();
export const timestamp = () => z.iso.datetime({ offset: true }).nullable();
export const pageOf = <K extends string, T extends z.ZodType>(key: K, item: T) =>
  z.object({ [key]: z.array(item), next_page_token: z.string().nullable().describe('null on the last page') } as Record<K, z.ZodArray<T>> & {
    next_page_token: z.ZodNullable<z.ZodString>;
  });

function absentToNull(schema: z.ZodType, value: unknown): unknown {
  if (schema instanceof z.ZodNullable) {
    if (value === '' || value === undefined || value === null) return null;
    return absentToNull(schema.unwrap() as z.ZodType, value);
  }
  if (schema instanceof z.ZodOptional) return value === undefined ? undefined : absentToNull(schema.unwrap() as z.ZodType, value);
  if (schema instanceof z.ZodObject && typeof value === 'object' && value !== null) {
    const shape = schema.shape as Record<string, z.ZodType>;
    const source = value as Record<string, unknown>;
    return Object.fromEntries(Object.entries(shape).map(([key, field]) => [key, absentToNull(field, source[key])]));
  }
  if (schema instanceof z.ZodArray && Array.isArray(value)) return value.map((item) => absentToNull(schema.element as z.ZodType, item));
  return value;
}

/**
 * Serializes a handler's result with the route's response schema: the schema documented in the
 * OpenAPI document is the one that shapes (and checks) what is sent, so the two cannot drift.
 * Fields the schema does not name are dropped.
 */
export function present<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  return schema.parse(absentToNull(schema, value));
}
