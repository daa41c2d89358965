/**
 * The contract check: every HTTP answer a test receives from the gateway is held against the API
 * document the gateway serves at /api/openapi.json (the same document the typed client is
 * generated from): the status must be one the operation lists, the content type one it declares
 * for that status, and the body must validate against its schema (JSON Schema 2020-12).
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import document from '@tenantatlas/api-client/openapi.json';

/** One answer as a test saw it. */
export interface Exchange {
  method: string;
  url: string;
  status: number;
  contentType: string | null;
  body: string;
  /** sent deliberately outside the contract (fuzzing, malformed input): status and content type only */
  probe?: boolean;
}

interface MediaType {
  schema?: object;
}
interface ResponseObject {
  content?: Record<string, MediaType>;
}
interface Operation {
  responses: Record<string, ResponseObject>;
}
type PathItem = Record<string, Operation>;

const DOCUMENT_ID = 'openapi.json';

/** The documents that describe the API (HTTP and events) are not operations of it. */
const API_DOCUMENTS = new Set(['/api/openapi.json', '/api/asyncapi.json']);
/** Answers of the gateway to a path or method it has no route for: outside the document by design. */
const UNROUTED = new Set([404, 405]);

/** Literal paths before templated ones: /runs/retry-failed is not the run `retry-failed`. */
const operations = Object.entries(document.paths as unknown as Record<string, PathItem>)
  .map(([template, item]) => ({ template, pattern: new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}/?$`), item }))
  .sort((a, b) => a.template.split('{').length - b.template.split('{').length);

export class ContractLedger {
  checked = 0;
  readonly mismatches: string[] = [];
  private readonly ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  private readonly validators = new Map<string, ValidateFunction | string>();

  constructor() {
    this.ajv.addSchema({ $id: DOCUMENT_ID, components: document.components });
  }

  record(exchange: Exchange): void {
    const url = new URL(exchange.url);
    if (!url.pathname.startsWith('/api/') || API_DOCUMENTS.has(url.pathname)) return;
    this.checked++;
    const problem = this.problemWith(exchange, url.pathname);
    if (problem) this.mismatches.push(`${exchange.method} ${url.pathname}${url.search} → ${exchange.status} ${exchange.contentType ?? '(no content type)'}: ${problem}`);
  }

  private problemWith(exchange: Exchange, pathname: string): string | undefined {
    const method = exchange.method === 'HEAD' ? 'get' : exchange.method.toLowerCase();
    const matched = operations.find((o) => o.pattern.test(pathname) && o.item[method]);
    if (!matched) {
      const known = operations.some((o) => o.pattern.test(pathname));
      if (UNROUTED.has(exchange.status) && isProblem(exchange.contentType) && (exchange.status === 405) === known) return undefined;
      return known ? 'the document has no such method for this path' : 'the document has no such path';
    }
    const responses = matched.item[method]!.responses;
    const key = String(exchange.status) in responses ? String(exchange.status) : `${String(exchange.status)[0]}XX` in responses ? `${String(exchange.status)[0]}XX` : 'default';
    const response = responses[key];
    if (!response) return `status not listed for ${method.toUpperCase()} ${matched.template} (lists ${Object.keys(responses).join(', ')})`;
    const mediaType = exchange.contentType?.split(';')[0]!.trim().toLowerCase();
    if (!response.content) return exchange.body === '' ? undefined : `the document declares no body for ${key}, yet one came`;
    if (exchange.method === 'HEAD' && !mediaType) return undefined;
    const declared = mediaType ? response.content[mediaType] : undefined;
    if (!declared) return `content type not declared for ${key} (declares ${Object.keys(response.content).join(', ')})`;
    if (exchange.probe || !declared.schema || exchange.method === 'HEAD') return undefined;
    const pointer = `${DOCUMENT_ID}#/paths/${escape(matched.template)}/${method}/responses/${key}/content/${escape(mediaType!)}`;
    return this.validate(pointer, declared.schema, exchange.body, isJson(mediaType!));
  }

  /** A JSON body is validated as the value it encodes; any other (CSV, NDJSON) as the text it is. */
  private validate(pointer: string, schema: object, body: string, json: boolean): string | undefined {
    let validator = this.validators.get(pointer);
    if (validator === undefined) {
      try {
        validator = this.ajv.compile(relativeTo(schema) as object);
      } catch (err) {
        validator = `the schema does not compile: ${(err as Error).message}`;
      }
      this.validators.set(pointer, validator);
    }
    if (typeof validator === 'string') return validator;
    let value: unknown = body;
    try {
      if (json) value = JSON.parse(body);
    } catch {
      return `the body is not JSON: ${body.slice(0, 200)}`;
    }
    if (validator(value)) return undefined;
    return `the body does not match the schema: ${this.ajv.errorsText(validator.errors, { separator: '; ' })} — body ${body.slice(0, 300)}`;
  }
}

const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');
const isProblem = (contentType: string | null) => contentType?.startsWith('application/problem+json') ?? false;
const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/** A schema inside the document refers to the document's components: point its refs there. */
function relativeTo(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(relativeTo);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [key, key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `${DOCUMENT_ID}${value}` : relativeTo(value)]),
  );
}
