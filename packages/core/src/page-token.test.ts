import { decodePageToken, encodePageToken, listPositionToken } from './page-token';

describe('page tokens', () => {
  it('carries a list position there and back', () => {
    const position = { createdAt: new Date('2026-12-06T08:00:00.000Z'), id: 'run-1' };
    expect(listPositionToken.decode(listPositionToken.encode(position))).toEqual(position);
  });

  it('refuses what this service did not issue', () => {
    expect(listPositionToken.decode('not a token')).toBeUndefined();
    expect(listPositionToken.decode(encodePageToken({ t: 'yesterday', i: 'run-1' }))).toBeUndefined();
    expect(listPositionToken.decode(encodePageToken([1, 2]))).toBeUndefined();
    expect(decodePageToken(encodePageToken(null), () => 1)).toBeUndefined();
  });
});
