import { DocumentLocks } from './document-lock';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('DocumentLocks', () => {
  it('runs writes of the same id one after another, in call order', async () => {
    const locks = new DocumentLocks();
    const trace: string[] = [];
    const write = (name: string) => async () => {
      trace.push(`${name}:start`);
      await tick();
      trace.push(`${name}:end`);
      return name;
    };
    const results = await Promise.all([locks.run('a', write('1')), locks.run('a', write('2')), locks.run('a', write('3'))]);
    expect(results).toEqual(['1', '2', '3']);
    expect(trace).toEqual(['1:start', '1:end', '2:start', '2:end', '3:start', '3:end']);
  });

  it('lets different ids run side by side', async () => {
    const locks = new DocumentLocks();
    const trace: string[] = [];
    const write = (name: string) => async () => {
      trace.push(`${name}:start`);
      await tick();
      trace.push(`${name}:end`);
    };
    await Promise.all([locks.run('a', write('a')), locks.run('b', write('b'))]);
    expect(trace.slice(0, 2).sort()).toEqual(['a:start', 'b:start']);
  });

  it('does not let a failed write block the next one', async () => {
    const locks = new DocumentLocks();
    const failed = locks.run('a', async () => {
      throw new Error('boom');
    });
    const next = locks.run('a', async () => 'ok');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });
});
