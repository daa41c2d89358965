export * from './proto';
export * from './errors';
export * from './server';
export * from './health';
export * from './client';
export * from './tenant-directory';
export * from './mapping';
