import { reconnectBackoffMs } from './reconnect';

describe('reconnectBackoffMs', () => {
  it('waits 200 ms after the first failure, doubling to at most 1 s', () => {
    expect([1, 2, 3, 4, 5, 10].map(reconnectBackoffMs)).toEqual([200, 400, 800, 1_000, 1_000, 1_000]);
  });
});
