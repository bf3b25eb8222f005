/** npm run bench — every benchmark in turn; exit 1 when any target is missed. */
import { runClickBench } from './click.bench';

async function main(): Promise<void> {
  const results: [string, boolean][] = [];
  results.push(['click', await runClickBench()]);
  console.log(`\n${results.map(([name, ok]) => `${name}: ${ok ? 'PASS' : 'FAIL'}`).join('  ')}`);
  process.exit(results.every(([, ok]) => ok) ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
