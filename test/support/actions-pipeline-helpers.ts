/**
 * Merged into test/support/pipeline-fixture.ts (one pipeline fixture); kept so that tests importing
 * this path still compile. Import from pipeline-fixture.js in new tests.
 */
export * from './pipeline-fixture.js';
