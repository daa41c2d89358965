/** A managed tenant as onboarding, its owner, reports it. */
export interface TenantStanding {
  /** draft | onboarding | active | archived (spec 143 lifecycle) */
  status: string;
}

/** Answers whether a tenant exists in a workspace, and in which lifecycle status. */
export interface TenantDirectory {
  /** null when the tenant is not in the workspace (another workspace's, or none at all) */
  standing(workspaceId: string, tenantId: string): Promise<TenantStanding | null>;
}

