// The browser and matrix tests run the whole system as real processes: the shared stack fixture.
export { startStack, type Stack } from '@tenantatlas/testing';
