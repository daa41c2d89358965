import { listPositionToken, type ListPosition } from '@tenantatlas/core';
import { inputErrors } from '../../domain/errors';

/** Cursor over (createdAt desc, _id desc). */
export type Cursor = ListPosition;

export const encodeCursor = listPositionToken.encode;

export function decodeCursor(token: string): Cursor | null {
  if (!token) return null;
  const cursor = listPositionToken.decode(token);
  if (!cursor) throw inputErrors.pageToken();
  return cursor;
}

/** The filter for "after this cursor" in (createdAt desc, _id desc) order. */
export function afterCursor(cursor: Cursor | null): Record<string, unknown> {
  if (!cursor) return {};
  return { $or: [{ createdAt: { $lt: cursor.createdAt } }, { createdAt: cursor.createdAt, _id: { $lt: cursor.id } }] };
}

export function pageSize(requested: number | undefined, fallback = 50, max = 200): number {
  if (!requested || requested < 1) return fallback;
  return Math.min(requested, max);
}
