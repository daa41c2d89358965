export * from './errors';
export * from './config';
export * from './logger';
export * from './metrics';
export * from './http-metrics';
export * from './actor';
export * from './tenant-standing';
