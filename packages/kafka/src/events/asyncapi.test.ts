import { readFileSync } from 'node:fs';
import path from 'node:path';
import specs from '@asyncapi/specs';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { TOPICS } from '../topics';
import { asyncApiDocument } from './asyncapi';
import { EVENT_CATALOG } from './catalog';
import { contractFiles } from './contracts';

type Json = Record<string, any>;
const doc = asyncApiDocument() as Json;
const root = path.resolve(__dirname, '../../../..');

describe('the AsyncAPI document', () => {
  it('is valid AsyncAPI 3.0', () => {
    // the specification bundles the JSON Schema meta-schema itself: let it bring its own
    const ajv = new Ajv({ strict: false, allErrors: true, meta: false, validateSchema: false });
    addFormats(ajv);
    const validate = ajv.compile(specs.schemasWithoutId['3.0.0'] as object);
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
  });

  it('has a channel for every topic the code publishes to, addressed by the topic name', () => {
    const addresses = Object.values(doc.channels as Json).map((channel) => channel.address);
    expect(addresses.sort()).toEqual(Object.values(TOPICS).sort());
  });

  it('lists every event type of the catalog as a message of its topic, with its data schema', () => {
    expect(EVENT_CATALOG.length).toBeGreaterThan(30);
    for (const entry of EVENT_CATALOG) {
      expect(doc.channels[entry.topic].messages[entry.type]).toEqual({ $ref: `#/components/messages/${entry.type}` });
      expect(doc.components.messages[entry.type].payload.allOf[1].properties.data).toEqual({ $ref: `#/components/schemas/${entry.type}` });
      expect(doc.components.schemas[entry.type]).toMatchObject({ type: 'object' });
    }
    const documented = Object.values(doc.channels as Json).flatMap((channel) => Object.keys(channel.messages));
    expect(documented.filter((name) => name !== 'DeadLetter').sort()).toEqual(EVENT_CATALOG.map((e) => e.type).sort());
  });

  it('is committed in contracts/ as generated from the catalog (npm run contracts -w @tenantatlas/kafka)', () => {
    for (const [file, content] of contractFiles()) {
      expect({ file, content: readFileSync(path.join(root, file), 'utf8') }).toEqual({ file, content });
    }
  });
});
