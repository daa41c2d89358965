import {
  ProviderFailure,
  type InventoryPage,
  type InventoryResource,
  type ProviderAdapter,
  type ProviderGrants,
  type ProviderOrganization,
  type ProviderStep,
  type ProviderTarget,
} from '../../domain/provider';
import { classifyResponse, classifyTransportError } from './microsoft-responses';

export interface MicrosoftGraphOptions {
  /** e.g. https://login.microsoftonline.com (or the provider simulator) */
  loginBaseUrl: string;
  /** e.g. https://graph.microsoft.com (or the provider simulator) */
  graphBaseUrl: string;
  /** the resource scope of the client-credentials token */
  scope: string;
  /** per HTTP request */
  timeoutMs: number;
  /** upper bound on pages followed when reading grants */
  maxPages?: number;
}

interface GraphList<T> {
  value?: T[];
  '@odata.nextLink'?: string;
}

/**
 * Microsoft adapter: an OAuth2 client-credentials token from the login endpoint, then Graph calls.
 * A token lives only as long as the target object of one operation (a check reads the organization
 * and the grants with one token); nothing is cached across operations, so every check proves the
 * current credential.
 */
export class MicrosoftGraphAdapter implements ProviderAdapter {
  readonly provider = 'microsoft';
  private readonly graphOrigin: string;
  private readonly tokens = new WeakMap<ProviderTarget, Promise<string>>();

  constructor(private readonly options: MicrosoftGraphOptions) {
    this.graphOrigin = new URL(options.graphBaseUrl).origin;
  }

  async readOrganization(target: ProviderTarget): Promise<ProviderOrganization> {
    const token = await this.token(target);
    const body = await this.get<GraphList<{ id?: string; displayName?: string }>>(token, '/v1.0/organization', 'organization');
    const org = body.value?.[0];
    if (!org?.id) throw new ProviderFailure('unexpected', 'organization', 'Graph returned no organization');
    return { id: org.id, displayName: org.displayName ?? org.id };
  }

  async readGrants(target: ProviderTarget): Promise<ProviderGrants> {
    const token = await this.token(target);
    const appFilter = encodeURIComponent(`appId eq '${target.clientId}'`);
    const sps = await this.get<GraphList<{ id: string }>>(token, `/v1.0/servicePrincipals?$filter=${appFilter}&$select=id,appId`, 'permissions');
    const sp = sps.value?.[0];
    if (!sp) throw new ProviderFailure('consent_missing', 'permissions', 'the application has no service principal in the tenant');
    const assignments = await this.all<{ appRoleId: string; resourceId: string }>(token, `/v1.0/servicePrincipals/${sp.id}/appRoleAssignments`);
    const application = new Set<string>();
    for (const resourceId of new Set(assignments.map((a) => a.resourceId))) {
      const resource = await this.get<{ appRoles?: { id: string; value: string }[] }>(
        token, `/v1.0/servicePrincipals/${encodeURIComponent(resourceId)}?$select=id,appRoles`, 'permissions',
      );
      const names = new Map((resource.appRoles ?? []).map((role) => [role.id, role.value]));
      for (const a of assignments) if (a.resourceId === resourceId && names.has(a.appRoleId)) application.add(names.get(a.appRoleId)!);
    }
    const clientFilter = encodeURIComponent(`clientId eq '${sp.id}'`);
    const grants = await this.all<{ scope?: string }>(token, `/v1.0/oauth2PermissionGrants?$filter=${clientFilter}`);
    const delegated = new Set(grants.flatMap((g) => (g.scope ?? '').split(' ').filter(Boolean)));
    return { application: [...application].sort(), delegated: [...delegated].sort() };
  }

  async listInventory(target: ProviderTarget, resource: InventoryResource, pageToken?: string, pageSize?: number): Promise<InventoryPage> {
    const path = pageToken ? this.pathFromPageToken(resource, pageToken) : `/v1.0/${resource}?$select=id,displayName${pageSize ? `&$top=${pageSize}` : ''}`;
    const token = await this.token(target);
    const body = await this.get<GraphList<{ id: string; displayName?: string }>>(token, path, 'inventory');
    const next = body['@odata.nextLink'];
    return {
      items: (body.value ?? []).map((item) => ({ id: item.id, displayName: item.displayName ?? '', kind: resource })),
      nextPageToken: next ? Buffer.from(this.relative(next), 'utf8').toString('base64url') : undefined,
    };
  }

  /** Page tokens are Graph's nextLink made relative, so they can only ever point back at Graph. */
  private pathFromPageToken(resource: InventoryResource, pageToken: string): string {
    const path = Buffer.from(pageToken, 'base64url').toString('utf8');
    if (!path.startsWith(`/v1.0/${resource}?`)) {
      throw new ProviderFailure('invalid_page_token', 'inventory', 'page_token does not belong to this inventory');
    }
    return path;
  }

  /** A nextLink on another host would carry our token elsewhere: refuse it. */
  private relative(link: string): string {
    const url = new URL(link, this.options.graphBaseUrl);
    if (url.origin !== this.graphOrigin) throw new ProviderFailure('unexpected', 'inventory', 'Graph returned a nextLink to another host');
    return `${url.pathname}${url.search}`;
  }

  private async all<T>(token: string, path: string): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = path;
    for (let page = 0; next && page < (this.options.maxPages ?? 50); page++) {
      const body: GraphList<T> = await this.get<GraphList<T>>(token, next, 'permissions');
      items.push(...(body.value ?? []));
      next = body['@odata.nextLink'] ? this.relative(body['@odata.nextLink']) : undefined;
    }
    return items;
  }

  private token(target: ProviderTarget): Promise<string> {
    let token = this.tokens.get(target);
    if (!token) {
      token = this.requestToken(target);
      this.tokens.set(target, token);
      token.catch(() => this.tokens.delete(target));
    }
    return token;
  }

  private async requestToken(target: ProviderTarget): Promise<string> {
    const url = `${this.options.loginBaseUrl.replace(/\/+$/, '')}/${encodeURIComponent(target.targetTenantId)}/oauth2/v2.0/token`;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: target.clientId,
      client_secret: target.clientSecret,
      scope: this.options.scope,
    });
    const body = await this.request<{ access_token?: string }>(url, { method: 'POST', body: form }, 'token');
    if (!body.access_token) throw new ProviderFailure('unexpected', 'token', 'sign-in returned no access token');
    return body.access_token;
  }

  private get<T>(token: string, path: string, step: ProviderStep): Promise<T> {
    const url = `${this.options.graphBaseUrl.replace(/\/+$/, '')}${path}`;
    return this.request<T>(url, { method: 'GET', headers: { authorization: `Bearer ${token}` } }, step);
  }

  private async request<T>(url: string, init: RequestInit, step: ProviderStep): Promise<T> {
    let response: Response;
    let body: unknown;
    try {
      response = await fetch(url, { ...init, signal: AbortSignal.timeout(this.options.timeoutMs) });
      body = await response.json().catch(() => undefined);
    } catch (err) {
      throw classifyTransportError(step, err);
    }
    if (!response.ok) throw classifyResponse(step, response.status, response.headers.get('retry-after'), body);
    return (body ?? {}) as T;
  }
}
