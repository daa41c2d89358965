import type { z } from 'zod';
import type { TOPICS } from '../topics';

/** One event type of the contract: where it goes, what it is about and the schema of its data. */
export interface EventSpec {
  /** `tenantatlas.<service>.<object>.<verb>` */
  type: string;
  /** the CloudEvents `subject`, as a pattern: `<object>/<id>` */
  subject: string;
  data: z.ZodType;
}

export interface EventFamily {
  topic: keyof typeof TOPICS;
  /** the service that publishes it: the CloudEvents `source` is `/tenantatlas/<service>` */
  service: string;
  events: readonly EventSpec[];
}
