// The import-boundary rules of eslint.boundaries.mjs, proved on a small project of their own: each
// forbidden import is reported and each allowed one is not. The same rules lint src/ in `npm run
// lint`; this spec is what fails if a config change quietly stops them from catching anything.
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { ESLint } from 'eslint';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import tseslint from 'typescript-eslint';

const ROOT = resolve(import.meta.dirname, '../../..');

/** The project: a ground floor, two features (one with a sub-feature), app-level files. */
const SOURCES: Record<string, string> = {
  'tsconfig.json': JSON.stringify({
    compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true },
    include: ['src/**/*.ts'],
  }),
  'src/common/clock.ts': 'export const now = () => Date.now();\n',
  'src/cases/index.ts': "export { CasesService } from './case/cases.service.js';\n",
  'src/cases/case/cases.service.ts':
    "import { now } from '../../common/clock.js';\nexport class CasesService {\n  at = now();\n}\n",
  'src/cases/case/ring-a.ts': "import { b } from './ring-b.js';\nexport const a = () => b;\n",
  'src/cases/case/ring-b.ts': "import { a } from './ring-a.js';\nexport const b = () => a;\n",
  'src/cases/case/type-only.ts':
    "import type { CasesService } from './cases.service.js';\nexport type S = CasesService;\n",
  'src/alerts/index.ts': "export const ALERTS = 'alerts';\n",
  // The ground floor importing a feature, even its published surface.
  'src/common/uses-feature.ts':
    "import { CasesService } from '../cases/index.js';\nexport const s = new CasesService();\n",
  // A feature reaching into another's internals, and the same need met through the index.
  'src/alerts/deep.ts':
    "import { CasesService } from '../cases/case/cases.service.js';\nexport const s = new CasesService();\n",
  'src/alerts/via-index.ts':
    "import { CasesService } from '../cases/index.js';\nimport { now } from '../common/clock.js';\nexport const s = [new CasesService(), now()];\n",
  // A feature's own internals are its own.
  'src/cases/own.ts':
    "import { CasesService } from './case/cases.service.js';\nexport const s = new CasesService();\n",
  // Tests arrange and call internals on purpose.
  'src/alerts/deep.spec.ts':
    "import { CasesService } from '../cases/case/cases.service.js';\nexport const s = new CasesService();\n",
  // App-level files: any feature's index, nothing deeper.
  'src/app.module.ts':
    "import { ALERTS } from './alerts/index.js';\nimport { CasesService } from './cases/index.js';\nexport const m = [ALERTS, CasesService];\n",
  'src/cli/tool.ts':
    "import { CasesService } from '../cases/case/cases.service.js';\nexport const t = new CasesService();\n",
};

interface Finding {
  rule: string | null;
  line: number;
}

describe('Import boundaries (eslint.boundaries.mjs)', () => {
  let dir: string;
  let eslint: ESLint;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jw-boundaries-'));
    for (const [path, text] of Object.entries(SOURCES)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    const { boundaries } = (await import(
      pathToFileURL(join(ROOT, 'eslint.boundaries.mjs')).href
    )) as { boundaries: (root: string) => ESLint.Options['overrideConfig'][] };
    eslint = new ESLint({
      cwd: dir,
      overrideConfigFile: true,
      overrideConfig: [
        { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
        ...boundaries(dir),
      ] as ESLint.Options['overrideConfig'],
    });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function findings(path: string): Promise<Finding[]> {
    const [result] = await eslint.lintFiles([join(dir, path)]);
    return [...result.messages].map((m) => ({ rule: m.ruleId, line: m.line }));
  }

  it('reports the ground floor importing a feature, even its index', async () => {
    assert.deepEqual(await findings('src/common/uses-feature.ts'), [
      { rule: 'import-x/no-restricted-paths', line: 1 },
    ]);
  });

  it('reports a feature reaching into another feature past its index', async () => {
    assert.deepEqual(await findings('src/alerts/deep.ts'), [
      { rule: 'import-x/no-restricted-paths', line: 1 },
    ]);
  });

  it('allows another feature’s index, the ground floor, and a feature’s own internals', async () => {
    assert.deepEqual(await findings('src/alerts/via-index.ts'), []);
    assert.deepEqual(await findings('src/cases/own.ts'), []);
    assert.deepEqual(await findings('src/cases/case/cases.service.ts'), []);
  });

  it('lets app-level files import a feature’s index and nothing deeper', async () => {
    assert.deepEqual(await findings('src/app.module.ts'), []);
    assert.deepEqual(await findings('src/cli/tool.ts'), [
      { rule: 'import-x/no-restricted-paths', line: 1 },
    ]);
  });

  it('exempts specs from the feature rule', async () => {
    assert.deepEqual(await findings('src/alerts/deep.spec.ts'), []);
  });

  it('reports an import cycle, but not a type-only import', async () => {
    assert.deepEqual(await findings('src/cases/case/ring-a.ts'), [
      { rule: 'import-x/no-cycle', line: 1 },
    ]);
    assert.deepEqual(await findings('src/cases/case/type-only.ts'), []);
  });
});
