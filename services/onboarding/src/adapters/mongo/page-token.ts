import { invalidArgument } from '@tenantatlas/core';

/** Cursor over (createdAt desc, _id desc): stable while documents change. */
export interface Cursor {
  createdAt: Date;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ t: cursor.createdAt.toISOString(), i: cursor.id })).toString('base64url');
}

export function decodeCursor(token: string): Cursor | null {
  if (!token) return null;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString()) as { t?: unknown; i?: unknown };
    const createdAt = new Date(String(parsed.t));
    if (typeof parsed.i !== 'string' || Number.isNaN(createdAt.getTime())) throw new Error('bad cursor');
    return { createdAt, id: parsed.i };
  } catch {
    throw invalidArgument('PAGE.INVALID_TOKEN', 'page_token is not one this service issued');
  }
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
