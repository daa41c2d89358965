import { promisify } from 'node:util';
import * as zlib from 'node:zlib';

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

/**
 * Text written once and read whole many times (sealed audit segments, sealed run-list revisions)
 * is stored gzip-compressed: the database's cost of a read grows with the bytes it decodes, and
 * JSON lines shrink to about a quarter (docs/storage.md). Level 1: most of the gain, a fifth of
 * the time of the default level.
 */
export function packText(text: string): Promise<Buffer> {
  return gzip(text, { level: 1 });
}

/** The text of a packed field, as the driver hands it over (a Buffer or a BSON Binary). */
export async function unpackText(packed: Buffer | { buffer: Uint8Array }): Promise<string> {
  const bytes = Buffer.isBuffer(packed) ? packed : Buffer.from(packed.buffer);
  return (await gunzip(bytes)).toString('utf8');
}
