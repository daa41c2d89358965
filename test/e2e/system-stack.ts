// The whole-system stack lives with the other process fixtures in the shared testing package (the
// benchmarks use it too); e2e tests import it from here.
export * from '@tenantatlas/testing';
