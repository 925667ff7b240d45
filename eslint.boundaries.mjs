// The import boundaries of the layout (docs/ARCHITECTURE.md, Layout), as ESLint flat config:
//   - src/common/ (the ground floor) imports no feature;
//   - a feature, and the app-level files (src/*.ts, src/cli), reach another feature only through
//     its published surface, src/<feature>/index.ts;
//   - no import cycles (type-only imports do not count: they vanish at run time).
// A function of the project's root, so the spec in test/lint/ can prove the same rules on a small
// tree of its own. Tests and specs are exempt from the feature rule (they arrange rows and call
// internals on purpose).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';

/** Folders of src/ that are not features. */
const NOT_FEATURES = new Set(['common', 'cli']);

/** The features: every folder of src/ but the ground floor and the command-line tools. */
export function featuresOf(root) {
  return readdirSync(join(root, 'src'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && !NOT_FEATURES.has(d.name))
    .map((d) => d.name)
    .sort();
}

export function boundaryZones(root) {
  const features = featuresOf(root);
  return [
    ...features.map((f) => ({
      target: './src/common',
      from: `./src/${f}`,
      message:
        'src/common is the ground floor: it imports no feature (declare the need in common, let the feature fill it).',
    })),
    ...features.flatMap((f) =>
      features
        .filter((g) => g !== f)
        .map((g) => ({
          target: `./src/${f}`,
          from: `./src/${g}`,
          except: ['./index.ts'],
          message: `Import another feature only through its published surface, src/${g}/index.ts.`,
        })),
    ),
    ...features.map((g) => ({
      target: ['./src/*.ts', './src/cli'],
      from: `./src/${g}`,
      except: ['./index.ts'],
      message: `App-level files import a feature only through its published surface, src/${g}/index.ts.`,
    })),
  ];
}

/** The flat-config blocks that enforce the boundaries under `root`. */
export function boundaries(root) {
  return [
    {
      files: ['src/**/*.ts'],
      plugins: { 'import-x': importX },
      settings: {
        // Which files import-x parses to follow imports (no-cycle walks them): TypeScript too.
        'import-x/extensions': ['.ts', '.js', '.mjs'],
        'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
        'import-x/resolver-next': [
          createTypeScriptImportResolver({ project: join(root, 'tsconfig.json') }),
        ],
      },
      rules: {
        'import-x/no-cycle': 'error',
        'import-x/no-restricted-paths': ['error', { basePath: root, zones: boundaryZones(root) }],
      },
    },
    {
      files: ['src/**/*.spec.ts'],
      rules: { 'import-x/no-restricted-paths': 'off' },
    },
  ];
}
