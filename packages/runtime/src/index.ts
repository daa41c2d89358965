export * from './lifecycle';
export * from './bootstrap';
export * from './backlog-metrics';
