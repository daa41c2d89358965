import { randomBytes } from 'node:crypto';
import { pageTokenSeal } from './page-token-seal';

describe('sealed page tokens', () => {
  const key = randomBytes(32);
  const member = pageTokenSeal(key, { userId: 'u1', workspaceId: 'w1' });
  const token = Buffer.from(JSON.stringify({ t: '2026-12-07T00:00:00.000Z', i: 'tenant-of-someone-else' })).toString('base64url');

  it('hides what the service token says, and opens it again for the member it was made for', () => {
    const sealed = member.seal(token);
    expect(sealed).toMatch(/^s1[A-Za-z0-9_-]+$/);
    expect(Buffer.from(sealed.slice(2), 'base64url').toString('latin1')).not.toContain('tenant-of-someone-else');
    expect(member.open(sealed)).toBe(token);
  });

  it('refuses a token altered, made for another member or workspace, or sealed with another key', () => {
    const sealed = member.seal(token);
    const altered = sealed.slice(0, -2) + (sealed.endsWith('AA') ? 'AB' : 'AA');
    expect(member.open(altered)).toBeNull();
    expect(pageTokenSeal(key, { userId: 'u2', workspaceId: 'w1' }).open(sealed)).toBeNull();
    expect(pageTokenSeal(key, { userId: 'u1', workspaceId: 'w2' }).open(sealed)).toBeNull();
    expect(pageTokenSeal(randomBytes(32), { userId: 'u1', workspaceId: 'w1' }).open(sealed)).toBeNull();
    expect(member.open(token)).toBeNull();
    expect(member.open('s1')).toBeNull();
  });
});
