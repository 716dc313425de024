// Typechecking generated files as a user's project would: with the TypeScript compiler
// API, under `strict` and `exactOptionalPropertyTypes` (and the other flags this project
// uses, plus noUnusedLocals), "replicate-kit" mapped to src/index.ts. `@ts-expect-error`
// lines count: one that is not an error is reported (TS2578), so the wrong calls must fail.
import { relative } from "node:path";
import ts from "typescript";

const root = new URL("../../", import.meta.url).pathname;

export const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ["lib.es2022.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts"],
  types: [],
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  noUnusedLocals: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  skipLibCheck: true,
  noEmit: true,
  baseUrl: root,
  paths: { "replicate-kit": [`${root}src/index.ts`] },
};

/** One diagnostic, as `file:line: message`. */
function describe(d: ts.Diagnostic): string {
  const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  if (!d.file || d.start === undefined) return message;
  const { line } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${relative(root, d.file.fileName)}:${line + 1}: TS${d.code} ${message}`;
}

/**
 * The errors in `files` (and in anything they import under `within`), as lines. Errors in
 * the library's own sources are left to `tsc -p tsconfig.test.json`.
 */
export function typeErrors(files: string[], within: string): string[] {
  const program = ts.createProgram(files, compilerOptions);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => !d.file || d.file.fileName.startsWith(within))
    .map(describe);
}

/**
 * What an editor shows on hover at the first occurrence of `marker` in `file` (the
 * position just inside it): the type line and the documentation.
 */
export function hoverText(files: string[], file: string, marker: string): string {
  const texts = new Map(files.map((f) => [f, ts.sys.readFile(f) ?? ""]));
  const host: ts.LanguageServiceHost = {
    getScriptFileNames: () => files,
    getScriptVersion: () => "1",
    getScriptSnapshot: (name) => {
      const text = texts.get(name) ?? ts.sys.readFile(name);
      return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
    },
    getCurrentDirectory: () => root,
    getCompilationSettings: () => compilerOptions,
    getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  const service = ts.createLanguageService(host, ts.createDocumentRegistry());
  const at = (texts.get(file) ?? "").indexOf(marker);
  if (at < 0) throw new Error(`${marker} is not in ${file}`);
  const info = service.getQuickInfoAtPosition(file, at + 1);
  const shown = ts.displayPartsToString(info?.displayParts);
  const docs = ts.displayPartsToString(info?.documentation);
  const tags = (info?.tags ?? []).map((t) => `@${t.name} ${ts.displayPartsToString(t.text)}`);
  return [shown, docs, ...tags].join("\n");
}
