import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createEvent, eventSource } from '@tenantatlas/kafka';
import { gatewayError } from '../domain/errors';
import { hashPassword, UNUSABLE_HASH, verifyPassword } from '../domain/passwords';
import type { IdentityStore, User, Workspace } from './ports';

export const SOURCE = eventSource('gateway');
export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
export const invalidCredentials = () => gatewayError('AUTH.INVALID_CREDENTIALS', 'e-mail or password is wrong');

export interface SignedIn {
  sessionToken: string;
  csrfToken: string;
  user: User;
}

/** Who is calling: the user, and how they proved it (cookie sessions need a CSRF header to write). */
export interface Principal {
  user: User;
  via: 'session' | 'token';
  csrfToken?: string;
}

export class Identity {
  constructor(
    private readonly store: IdentityStore,
    private readonly sessionTtlMs: number,
  ) {}

  async signIn(email: string, password: string): Promise<SignedIn> {
    const found = await this.store.findUserByEmail(email);
    // Same work whether or not the e-mail exists, so timing does not reveal accounts.
    const ok = await verifyPassword(password, found?.passwordHash ?? UNUSABLE_HASH);
    if (!found || !ok) throw invalidCredentials();
    return this.startSession({ id: found.id, email: found.email, displayName: found.displayName });
  }

  /** A new UI session for a user who just proved who they are (sign-in, accepting an invitation). */
  async startSession(user: User): Promise<SignedIn> {
    const sessionToken = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    await this.store.createSession({ tokenHash: sha256(sessionToken), user, csrfToken, expiresAt: new Date(Date.now() + this.sessionTtlMs) });
    return { sessionToken, csrfToken, user };
  }

  async signOut(sessionToken: string): Promise<void> {
    await this.store.deleteSession(sha256(sessionToken));
  }

  async fromSession(sessionToken: string): Promise<Principal | null> {
    const tokenHash = sha256(sessionToken);
    const session = await this.store.findSession(tokenHash);
    if (!session) return null;
    if (session.expiresAt.getTime() <= Date.now()) {
      await this.store.deleteSession(tokenHash);
      return null;
    }
    return { user: session.user, via: 'session', csrfToken: session.csrfToken };
  }

  /** A user the identity provider vouched for; only users already known here (members) get in. */
  async fromExternalSignIn(email: string): Promise<Principal | null> {
    const found = await this.store.findUserByEmail(email);
    return found ? { user: { id: found.id, email: found.email, displayName: found.displayName }, via: 'token' } : null;
  }

  /** API tokens look like `ta_<id>.<secret>`; only a hash of the secret is stored. */
  async fromApiToken(token: string): Promise<Principal | null> {
    const match = /^ta_([A-Za-z0-9-]+)\.([A-Za-z0-9_-]+)$/.exec(token);
    if (!match) return null;
    const stored = await this.store.findApiToken(match[1]!);
    if (!stored) return null;
    const expected = Buffer.from(stored.secretHash, 'hex');
    const actual = Buffer.from(sha256(match[2]!), 'hex');
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
    const user = await this.store.findUser(stored.userId);
    return user ? { user, via: 'token' } : null;
  }

  /**
   * A token acts as its user wherever the user is a member, so each of those workspaces records
   * that it was made (a workspace the user joins later sees the user's own actions only).
   */
  async createApiToken(user: User, name: string): Promise<{ id: string; token: string }> {
    const id = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    const events = (await this.store.workspacesOf(user.id)).map(({ workspace }) =>
      createEvent({
        type: 'tenantatlas.gateway.api_token.created',
        source: SOURCE,
        subject: `api_token/${id}`,
        workspaceId: workspace.id,
        actor: { kind: 'user', userId: user.id },
        data: { after: { name, userId: user.id } },
      }),
    );
    await this.store.createApiToken({ id, userId: user.id, name, secretHash: sha256(secret), events });
    return { id, token: `ta_${id}.${secret}` };
  }

  async createWorkspace(owner: User, name: string): Promise<Workspace> {
    return this.store.createWorkspace({
      name,
      owner,
      events: (workspaceId) => [
        createEvent({
          type: 'tenantatlas.gateway.workspace.created',
          source: SOURCE,
          subject: `workspace/${workspaceId}`,
          workspaceId,
          actor: { kind: 'user', userId: owner.id },
          data: { after: { name, ownerUserId: owner.id } },
        }),
      ],
    });
  }

  /** Creates the seed admin and its workspace once (dev stack); does nothing when the user exists. */
  async seed(email: string, password: string, workspaceName: string): Promise<{ created: boolean; workspace?: Workspace }> {
    if (await this.store.findUserByEmail(email)) return { created: false };
    const user = await this.store.createUser({ email, displayName: 'Admin', passwordHash: await hashPassword(password) });
    if (!user) return { created: false }; // another replica seeded it at the same moment
    return { created: true, workspace: await this.createWorkspace(user, workspaceName) };
  }
}
