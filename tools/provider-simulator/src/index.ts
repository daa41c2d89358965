/**
 * The provider simulator embedded in a test or bench process (`startProviderSimulator`); the
 * standalone process is `dist/main.js` (`npm start` and the whole-system tests run that one).
 */
export { GRAPH_RESOURCE_ID, startProviderSimulator, type ProviderSimulator, type ProviderSimulatorOptions } from './server';
export { appRoleId, FAULT_KINDS, guidFrom, SimulatorState, type FaultKind, type FaultRule, type RecordedRequest, type SimTenant, type SimTenantConfig } from './state';
