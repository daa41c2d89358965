import type { Actor } from '@tenantatlas/core';
import type { Actor as ActorMessage, Actor__Output } from './generated/tenantatlas/common/v1/Actor';

/** A time on the wire: RFC 3339, or "" for none (proto3 strings have no null). */
export const protoTime = (date: Date | null | undefined): string => (date ? new Date(date).toISOString() : '');

/**
 * Who acts, as a message names it: exactly one of `user_id` (a signed-in user, through the
 * gateway) or `component` (a part of the system acting on its own). Null when it names neither or
 * both, so each service answers a missing actor with its own error.
 */
export function actorFromProto(actor: ActorMessage | null | undefined): Actor | null {
  const userId = actor?.user_id?.trim() ?? '';
  const component = actor?.component?.trim() ?? '';
  if (userId && !component) return { kind: 'user', userId, ...(actor?.display_name ? { displayName: actor.display_name } : {}) };
  if (component && !userId) return { kind: 'system', component };
  return null;
}

export function actorToProto(actor: Actor): Actor__Output {
  return actor.kind === 'user'
    ? { user_id: actor.userId, display_name: actor.displayName ?? '', component: '' }
    : { user_id: '', display_name: '', component: actor.component };
}
