// The shared-memory build: the core plus the helper thread's verify().
export * from './index';
export { verify, verifyControlPtr, verifyRunsPtr } from './verify';
