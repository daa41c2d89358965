import { z } from '@tenantatlas/core';
import { text } from './present';

/** Who acted: a user through the gateway, or a system component; the other field is null. */
export const actorSchema = z
  .object({ user_id: text(), display_name: text(), component: text() })
  .nullable()
  ;
