/**
 * `npm run conformance -- [DIR] [--quiet]`: runs every rshell scenario YAML under DIR
 * (default: RSHELL_SCENARIOS, else ../shared/rshell-scenarios), prints failures grouped by
 * folder and ends with `N passed, N failed`.
 */
import { existsSync } from 'node:fs';
import { formatReport, runConformance, scenarioRoot } from '../test/conformance/harness.js';

const args = process.argv.slice(2);
const quiet = args.includes('--quiet');
const root = scenarioRoot(args.find((a) => !a.startsWith('--')));
if (!existsSync(root)) {
  console.error(`scenario folder not found: ${root}`);
  process.exit(2);
}
const started = Date.now();
const report = await runConformance(root);
console.error(`ran ${report.results.length} scenarios in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(formatReport(report, !quiet));
process.exit(report.failed === 0 ? 0 : 1);
