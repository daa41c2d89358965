/**
 * Page tokens are opaque to clients: base64url JSON of where the next page starts, read back only
 * by the service that issued it (the gateway refuses anything that is not base64url JSON).
 */
export function encodePageToken(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** The position a token carries when `read` accepts it; undefined for a token this service did not issue. */
export function decodePageToken<T>(token: string, read: (value: Record<string, unknown>) => T | undefined): T | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' ? read(value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Where a page of a list ordered by (createdAt, id) ends; stable while documents change. */
export interface ListPosition {
  createdAt: Date;
  id: string;
}

export const listPositionToken = {
  encode: (position: ListPosition): string => encodePageToken({ t: position.createdAt.toISOString(), i: position.id }),
  decode: (token: string): ListPosition | undefined =>
    decodePageToken(token, ({ t, i }) => {
      const createdAt = new Date(String(t));
      return typeof i === 'string' && i !== '' && !Number.isNaN(createdAt.getTime()) ? { createdAt, id: i } : undefined;
    }),
};
