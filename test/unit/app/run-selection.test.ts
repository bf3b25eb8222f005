/**
 * Jest's global setup synthesizes the IAM templates only when the run includes e2e suites, and
 * starts no local endpoints for a run of unit suites only.
 */
import { runIncludesE2e, runIsUnitOnly, selectedProjects } from '../../support/run-selection';

test('all projects, or e2e selected, without a path filter that leaves e2e out', () => {
  expect(runIncludesE2e({})).toBe(true);
  expect(runIncludesE2e({ selectProjects: ['e2e'] })).toBe(true);
  expect(runIncludesE2e({ testPathPatterns: { patterns: ['test/e2e/iam'] } })).toBe(true);
  expect(runIncludesE2e({ selectProjects: ['unit'] })).toBe(false);
  expect(runIncludesE2e({ testPathPatterns: { patterns: ['test/unit/iam'] } })).toBe(false);
});

test('unit only: the unit project alone, or paths all under test/unit', () => {
  expect(runIsUnitOnly({ selectProjects: ['unit'] })).toBe(true);
  expect(runIsUnitOnly({ testPathPatterns: { patterns: ['test/unit/iam'] } })).toBe(true);
  expect(runIsUnitOnly({ testPathPatterns: { patterns: ['/repo/test/unit/local/http-router.test.ts', 'test/unit'] } })).toBe(true);
  expect(runIsUnitOnly({})).toBe(false);
  expect(runIsUnitOnly({ selectProjects: [] })).toBe(false);
  expect(runIsUnitOnly({ selectProjects: ['unit', 'integration'] })).toBe(false);
  expect(runIsUnitOnly({ selectProjects: ['e2e'] })).toBe(false);
  expect(runIsUnitOnly({ testPathPatterns: { patterns: ['test/unit/iam', 'test/integration/iam'] } })).toBe(false);
  expect(runIsUnitOnly({ testPathPatterns: { patterns: ['unit'] } })).toBe(false);
  expect(runIsUnitOnly({ testPathPatterns: { patterns: ['test/unitx'] } })).toBe(false);
});

test("the projects named by --selectProjects on jest's command line", () => {
  expect(selectedProjects(['node', 'jest', '--selectProjects', 'unit'])).toEqual(['unit']);
  expect(selectedProjects(['node', 'jest', '--selectProjects', 'unit', 'e2e', '--ci', 'test/x'])).toEqual(['unit', 'e2e']);
  expect(selectedProjects(['node', 'jest', '--selectProjects=unit,infra'])).toEqual(['unit', 'infra']);
  expect(selectedProjects(['node', 'jest', '--ci'])).toBeUndefined();
});
