import { execFileSync } from 'node:child_process';

/** A command the suite needs: fail (never skip) when it is missing; npm test installs it (scripts/test-deps.sh). */
export function requireTool(command: string, debianPackage = 'wabt'): void {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
  } catch {
    throw new Error(`${command} not found: apt-get install ${debianPackage} (npm test installs it: scripts/test-deps.sh)`);
  }
}
