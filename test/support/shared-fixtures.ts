// The captured /proc trees under ../shared/fixtures (resolved from the repo root) are not part of
// the repository: a fresh clone has none. Every test that reads them goes through here, so all of
// them behave the same way when the folder is absent: skipped, with the reason in the test's name
// and a line on stderr, so a local run stays green and says what it did not check; under CI=true
// they run and fail instead, since a CI run that silently skipped them would claim coverage it lacks.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

export interface SharedFixtures {
  /** `../shared/fixtures`, resolved from the repo root. */
  readonly dir: string;
  /** Why the tests that read the folder are skipped; undefined when they run. */
  readonly skipReason: string | undefined;
  /** The test's title, carrying the skip reason when it is skipped. */
  title(name: string): string;
  /** A path inside the folder; throws, naming the folder, when it is absent (the CI=true case). */
  path(...parts: string[]): string;
}

const warned = new Set<string>();

export function sharedFixtures(options: { repoRoot?: string; env?: NodeJS.ProcessEnv } = {}): SharedFixtures {
  const root = options.repoRoot ?? REPO_ROOT;
  const env = options.env ?? process.env;
  const dir = resolve(root, '..', 'shared', 'fixtures');
  const present = existsSync(dir);
  const absent = `${dir} is absent (the captured fixtures live beside the repository, in ../shared/fixtures)`;
  const required = env.CI === 'true';
  const skipReason = present || required ? undefined : absent;
  if (skipReason !== undefined && !warned.has(dir)) {
    warned.add(dir);
    process.stderr.write(`sockaudit tests: skipping the tests that read shared fixtures: ${skipReason}\n`);
  }
  return {
    dir,
    skipReason,
    title: (name) => (skipReason === undefined ? name : `${name} (skipped: ${skipReason})`),
    path: (...parts) => {
      if (!existsSync(dir)) throw new Error(`${absent}${required ? '; CI=true requires them' : ''}`);
      return join(dir, ...parts);
    },
  };
}
