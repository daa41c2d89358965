import { z } from 'zod';

/** Who did something: a signed-in user, or a named component of the system acting on its own. */
export const actorSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), userId: z.string().min(1), displayName: z.string().optional() }),
  z.object({ kind: z.literal('system'), component: z.string().min(1) }),
]);
export type Actor = z.infer<typeof actorSchema>;
