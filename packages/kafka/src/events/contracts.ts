import { asyncApiDocument } from './asyncapi';
import { dataJsonSchema, EVENT_CATALOG } from './catalog';

/**
 * The generated contract files under `contracts/` at the repository root, by path: the AsyncAPI
 * document and one JSON Schema per event type. The catalog is their source; a unit test fails
 * when the committed files differ (`npm run contracts -w @tenantatlas/kafka` writes them).
 */
export function contractFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  files.set('contracts/asyncapi.json', json(asyncApiDocument()));
  for (const entry of EVENT_CATALOG) files.set(`contracts/events/${entry.type}.schema.json`, json(dataJsonSchema(entry)));
  return files;
}
