export * from './topics';
export * from './envelope';
export * from './cloud-event';
export * from './events/catalog';
export * from './events/asyncapi';
export * from './client';
export * from './publisher';
export * from './consumer';
