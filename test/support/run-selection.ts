/** What jest's global setup must provide for the suites a run selects (from jest's global config). */

/** The parts of jest's global config that say which suites run. */
export interface RunSelection {
  readonly selectProjects?: readonly string[];
  readonly testPathPatterns?: { readonly patterns?: readonly string[] };
}

/**
 * The projects `--selectProjects` names on jest's command line: jest's global config, which the
 * global setup gets, does not carry them.
 */
export function selectedProjects(argv: readonly string[]): string[] | undefined {
  let selected: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--selectProjects=')) (selected ??= []).push(...arg.slice('--selectProjects='.length).split(','));
    else if (arg === '--selectProjects') {
      selected ??= [];
      while (i + 1 < argv.length && !argv[i + 1]!.startsWith('-')) selected.push(argv[++i]!);
    }
  }
  return selected;
}

const UNIT_PATH = /(^|\/)test\/unit(\/|$)/;

/** Whether the run includes e2e suites (all projects, or e2e selected, and no path filter excluding them). */
export function runIncludesE2e(config: RunSelection): boolean {
  if (config.selectProjects && !config.selectProjects.includes('e2e')) return false;
  const patterns = config.testPathPatterns?.patterns ?? [];
  return patterns.length === 0 || patterns.some((p) => /e2e/.test(p));
}

/**
 * Whether the run selects unit suites only (the unit project, or paths all under test/unit): they
 * reach no network, so nothing needs starting for them.
 */
export function runIsUnitOnly(config: RunSelection): boolean {
  const projects = config.selectProjects ?? [];
  if (projects.length > 0 && projects.every((p) => p === 'unit')) return true;
  const patterns = config.testPathPatterns?.patterns ?? [];
  return patterns.length > 0 && patterns.every((p) => UNIT_PATH.test(p));
}
