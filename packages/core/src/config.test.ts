import { baseConfig, configFields, ConfigError, loadConfig, retentionWindow } from './config';

const schema = baseConfig.extend(configFields.retention);
const env = { KAFKA_BROKERS: 'localhost:9092', MONGO_URL: 'mongodb://localhost:27017' };

describe('retention windows', () => {
  it('keeps every workspace 30 days unless told otherwise', () => {
    const windowOf = retentionWindow(loadConfig(schema, env));
    expect(windowOf('ws-a')).toBe(30);
  });

  it('gives the named workspaces their own window and the rest RETENTION_DAYS', () => {
    const windowOf = retentionWindow(loadConfig(schema, { ...env, RETENTION_DAYS: '90', RETENTION_DAYS_BY_WORKSPACE: 'ws-a=7, ws-b = 365' }));
    expect([windowOf('ws-a'), windowOf('ws-b'), windowOf('ws-c')]).toEqual([7, 365, 90]);
  });

  it.each(['ws-a', 'ws-a=0.5', 'ws-a=7=8', '=7', 'ws-a=seven'])('refuses %j, naming the entry', (entry) => {
    expect(() => loadConfig(schema, { ...env, RETENTION_DAYS_BY_WORKSPACE: entry })).toThrow(ConfigError);
    expect(() => loadConfig(schema, { ...env, RETENTION_DAYS_BY_WORKSPACE: entry })).toThrow(`RETENTION_DAYS_BY_WORKSPACE: "${entry}"`);
  });

  it('refuses a window under a day', () => {
    expect(() => loadConfig(schema, { ...env, RETENTION_DAYS: '0.5' })).toThrow('RETENTION_DAYS');
  });
});
