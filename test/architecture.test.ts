import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The layout docs/architecture.md opens with, held as rules: what each top-level folder of src/ may
// import, no cycles, no oversized files, services built from one options object, and a web app that
// shares only the contract with the server.

const ROOT = resolve(import.meta.dirname, '..');
const MAX_LINES = 300;

/** Each folder of src/ and the folders it may import (besides itself). Files directly in src/ may import anything. */
const MAY_IMPORT: Record<string, string[]> = {
  contract: [],
  platform: ['contract'],
  engine: ['platform', 'contract'],
  inventory: ['engine', 'platform', 'contract'],
  auth: ['engine', 'platform', 'contract'],
  jobs: ['engine', 'platform', 'contract'],
  catalog: ['inventory', 'auth', 'jobs', 'engine', 'platform', 'contract'],
  queue: ['inventory', 'auth', 'engine', 'platform', 'contract'],
  booking: ['queue', 'inventory', 'auth', 'engine', 'platform', 'contract'],
  mail: ['booking', 'queue', 'inventory', 'auth', 'engine', 'platform', 'contract'],
  teams: ['auth', 'engine', 'platform', 'contract'],
  ops: ['booking', 'queue', 'catalog', 'inventory', 'auth', 'jobs', 'engine', 'platform', 'contract'],
  web: ['platform', 'contract'],
  loadtest: ['inventory', 'auth', 'platform', 'contract'],
};

const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', 'src', 'web/src'], {
  cwd: ROOT,
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f));

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The repository files a source file imports (relative and `@tmomi/contract` specifiers). */
function importsOf(file: string): { spec: string; target: string }[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const found: { spec: string; target: string }[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = (m[1] ?? m[2])!;
    let base: string;
    if (spec.startsWith('@tmomi/contract/'))
      base = join('src/contract', spec.slice('@tmomi/contract/'.length));
    else if (spec.startsWith('.')) base = relative(ROOT, resolve(ROOT, dirname(file), spec));
    else continue;
    base = base.replace(/\.js$/, '');
    const target =
      [`${base}.ts`, `${base}.tsx`, base, `${base}/index.ts`].find((c) => files.includes(c)) ?? base;
    found.push({ spec, target });
  }
  return found;
}

const graph = new Map(files.map((f) => [f, importsOf(f)]));
const folderOf = (file: string) => {
  const parts = file.split('/');
  return parts.length > 2 ? parts[1]! : undefined;
};

describe('the layout of the code', () => {
  it('when a folder of src/ imports another, then the map in docs/architecture.md allows it', () => {
    const wrong: string[] = [];
    for (const [file, imports] of graph) {
      if (!file.startsWith('src/')) continue;
      const from = folderOf(file);
      if (from === undefined) continue; // app.ts, server.ts, cli.ts wire everything together
      expect(MAY_IMPORT, `src/${from}/ is missing from MAY_IMPORT`).toHaveProperty(from);
      for (const { target } of imports) {
        const to = folderOf(target);
        if (to !== from && !(to !== undefined && MAY_IMPORT[from]!.includes(to)))
          wrong.push(`${file} → ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('when the web app imports server code, then only through @tmomi/contract', () => {
    const wrong = [...graph]
      .filter(([file]) => file.startsWith('web/'))
      .flatMap(([file, imports]) =>
        imports
          .filter(({ target }) => !target.startsWith('web/') && !target.startsWith('src/contract/'))
          .map(({ spec }) => `${file} → ${spec}`),
      );
    expect(wrong).toEqual([]);
    const viaPath = [...graph]
      .filter(([file]) => file.startsWith('web/'))
      .flatMap(([file, imports]) =>
        imports.filter(({ spec }) => spec.includes('src/')).map(({ spec }) => `${file} → ${spec}`),
      );
    expect(viaPath).toEqual([]);
  });

  it('when the contract imports anything, then only itself and typebox, so the browser can load it', () => {
    const wrong: string[] = [];
    for (const file of files.filter((f) => f.startsWith('src/contract/'))) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const m of text.matchAll(IMPORT)) {
        const spec = (m[1] ?? m[2])!;
        if (!spec.startsWith('./') && spec !== 'typebox' && !spec.startsWith('typebox/'))
          wrong.push(`${file} → ${spec}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('when files import each other, then there is no cycle', () => {
    const cycles: string[][] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'open');
      stack.push(file);
      for (const { target } of graph.get(file) ?? []) {
        if (state.get(target) === 'open') cycles.push([...stack.slice(stack.indexOf(target)), target]);
        else if (!state.has(target) && graph.has(target)) visit(target);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });

  it(`when a source file grows past ${MAX_LINES} lines, then it is split (tests and migrations aside)`, () => {
    const long = files
      .map((file) => ({ file, lines: readFileSync(join(ROOT, file), 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ file, lines }) => `${file}: ${lines}`);
    expect(long).toEqual([]);
  });

  it('when a class outside the platform and contract is built, then from one options object at most', () => {
    const wide: string[] = [];
    for (const file of files.filter((f) => f.startsWith('src/') && !/^src\/(platform|contract)\//.test(f))) {
      const source = ts.createSourceFile(
        file,
        readFileSync(join(ROOT, file), 'utf8'),
        ts.ScriptTarget.Latest,
      );
      const visit = (node: ts.Node) => {
        if (ts.isClassDeclaration(node))
          for (const member of node.members)
            if (ts.isConstructorDeclaration(member) && member.parameters.length > 1)
              wide.push(`${file}: ${node.name?.text} takes ${member.parameters.length}`);
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(wide).toEqual([]);
  });
});
