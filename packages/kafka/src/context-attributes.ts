import { z } from 'zod';

/**
 * The CloudEvents context attributes both shapes of an event (the envelope the services handle and
 * the structured CloudEvent on the wire) carry under the same names. A module of its own: the two
 * schema modules import each other, and a constant read while one of them is still loading would
 * be undefined.
 */
export const eventContextAttributes = {
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  type: z.string().min(1),
  source: z.string().min(1),
  time: z.string().datetime({ offset: true }),
  subject: z.string().min(1),
};
