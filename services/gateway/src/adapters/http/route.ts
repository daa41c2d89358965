import type { Request, Response } from 'express';
import { z } from '@tenantatlas/core';
import type { Actor as ProtoActor } from '@tenantatlas/grpc/proto/tenantatlas/common/v1/Actor';
import type { Capability, Membership } from '../../domain/access';
import type { Principal } from '../../app/identity';
import type { PageTokenSeal } from '../../domain/page-token-seal';

type AnyObject = z.ZodObject<z.ZodRawShape>;

export interface RouteContext<P, Q, B> {
  principal: Principal;
  /** set on workspace routes, after the membership and capability check passed */
  membership: Membership;
  workspaceId: string;
  /** the authenticated actor, as every downstream call carries it */
  actor: ProtoActor;
  params: P;
  query: Q;
  body: B;
  /** Refuses (404 + security event) a tenant outside the member's scope, learned from the body or a fetched resource. */
  requireTenant(tenantId: string, capability?: Capability): void;
  /** Refuses (403 + security event) when the member lacks a further capability this request needs. */
  requireCapability(capability: Capability): void;
  /**
   * The caller's membership as it is now: the request's session or token still valid for the same
   * user, and still a member with the route's capability; null when not. Reads only by `_id`
   * (session, API token and user, membership), so a stream may ask it on a timer.
   */
  membershipNow(): Promise<Membership | null>;
  /** seals and opens the page tokens of a member limited to some tenants (routes/scope.ts) */
  pageTokens: PageTokenSeal;
  req: Request;
  res: Response;
}

/** What a handler returns: a body (200), a body with a status, or STREAMED when it wrote the response itself. */
export const STREAMED = Symbol('streamed');
export interface Reply {
  status: number;
  body?: unknown;
}
export const reply = (status: number, body?: unknown): Reply => ({ status, body });
export const isReply = (value: unknown): value is Reply =>
  typeof value === 'object' && value !== null && 'status' in value && Object.keys(value).every((k) => k === 'status' || k === 'body');

export interface RouteDef<P = any, Q = any, B = any> {
  method: 'get' | 'post' | 'patch';
  /** OpenAPI style: /api/workspaces/{workspaceId}/runs/{runId} */
  path: string;
  summary: string;
  tag: string;
  /** public: no sign-in; user: signed in; workspace: member of {workspaceId} with `capability` */
  auth: 'public' | 'user' | 'workspace';
  capability?: Capability;
  params?: AnyObject;
  query?: AnyObject;
  body?: z.ZodType;
  /** a path parameter naming a tenant, checked against the member's scope before the handler */
  tenantParam?: string;
  /** further answers to document (status → when), beyond those every route of its kind has */
  problems?: Record<number, string>;
  /**
   * 200 JSON by default; 201 for creations; text/event-stream or a file download. `body` is the zod
   * schema that serializes a JSON answer (absent values → null) and documents it; `alsoStatus` a
   * further success status the handler may reply with the same body.
   */
  success?: { status: number; contentTypes?: SuccessContentType[]; body?: z.ZodType; alsoStatus?: number };
  handler(ctx: RouteContext<P, Q, B>): Promise<unknown>;
}

export type SuccessContentType = 'application/json' | 'text/event-stream' | 'text/csv' | 'application/x-ndjson';

/** Keeps the handler's types tied to its schemas. */
export function route<P extends AnyObject | undefined, Q extends AnyObject | undefined, B extends z.ZodType | undefined>(
  def: Omit<RouteDef, 'params' | 'query' | 'body' | 'handler'> & {
    params?: P;
    query?: Q;
    body?: B;
    handler(
      ctx: RouteContext<
        P extends AnyObject ? z.output<P> : Record<string, string>,
        Q extends AnyObject ? z.output<Q> : Record<string, never>,
        B extends z.ZodType ? z.output<B> : undefined
      >,
    ): Promise<unknown>;
  },
): RouteDef {
  return def as RouteDef;
}

/** Common schema pieces */
/** An id as the services accept it (they refuse longer ones or other characters). */
export const id = z.string().min(1).max(128).regex(/^[A-Za-z0-9._:-]+$/, 'expected an id');
/** The version last read; the services carry it as int32. */
export const expectedVersion = z.number().int().min(1).max(2_147_483_647);
/** Page tokens are opaque, but every service issues base64url-encoded JSON; anything else is refused (400). */
export const pageToken = z.string().max(2000).regex(/^(eyJ|WyJ|s1)[A-Za-z0-9_-]+$/, 'expected a page token from next_page_token');
export const pageQuery = { pageSize: z.coerce.number().int().min(1).max(200).optional(), pageToken: pageToken.optional() };
/**
 * Free text that must not be blank. Every check runs on the text as sent (then it is trimmed), so
 * the documented constraints (maxLength, pattern) are exactly what the server enforces.
 */
export const words = (max: number) => z.string().max(max).regex(/\S/, 'must not be blank').trim();
/** A directory (Entra) application or tenant id. */
export const guid = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'expected a GUID');
/** A DNS domain name, as the services check it (3 to 253 characters). */
export const domainName = z
  .string()
  .min(3)
  .max(253)
  .regex(/^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/, 'expected a domain name');
export const booleanQuery = z.enum(['true', 'false']).transform((value) => value === 'true');

export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}
