import type { Request } from 'express';
import { readCookie } from './pipeline';

const withCookie = (cookie: string) => ({ headers: { cookie } }) as Request;

describe('reading the session cookie', () => {
  it('finds and decodes the named cookie', () => {
    expect(readCookie(withCookie('a=1; ta_session=abc%3D%3D; b=2'), 'ta_session')).toBe('abc==');
  });

  it('treats a malformed percent-encoding as no cookie instead of failing the request', () => {
    expect(readCookie(withCookie('ta_session=%'), 'ta_session')).toBeUndefined();
    expect(readCookie(withCookie('ta_session=%E0%A4%A'), 'ta_session')).toBeUndefined();
  });
});
