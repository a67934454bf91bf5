import { readFile } from "node:fs/promises";
import type { Plugin } from "esbuild";

/**
 * The schema modules of the AWS SDK clients (`dist-es/schemas/schemas_N.js`): one module per
 * client holding the shape of every operation, which is most of a client's size (EC2's is 1.3 MB).
 */
const SCHEMA_MODULE = /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;

/** A top-level schema declaration whose value is an array literal: `var X = [...];` or `export var X$ = [...];`. */
const SCHEMA_DECLARATION = /^((?:export )?var [\w$]+ = )(\[[\s\S]*\]);\s*$/;

/**
 * Marks each schema declaration of an SDK schema module as pure, so that the bundler drops the
 * operations a function never calls. The declarations are array literals, but many hold computed
 * keys (`{ [_xN]: _RN }`), which esbuild must assume may have side effects, so it keeps all of them:
 * the clean-up function carried every EC2 operation to call one. Wrapping each literal in an
 * immediately invoked arrow annotated `@__PURE__` changes nothing when it runs (the literal is
 * evaluated at the same place, with the same values) and lets the unused ones go.
 *
 * Statements start at column 0; a line that starts with a closing bracket ends the statement above.
 * Anything that is not such a declaration (imports, the error registry) is left as it is.
 */
export function markSchemasPure(source: string): string {
  const statements: string[] = [];
  for (const line of source.split("\n")) {
    const continues = statements.length > 0 && (/^\s/.test(line) || /^[\])}]/.test(line) || line === "");
    if (continues) statements[statements.length - 1] += `\n${line}`;
    else statements.push(line);
  }
  return statements
    .map((statement) => {
      const match = SCHEMA_DECLARATION.exec(statement);
      return match ? `${match[1]}/* @__PURE__ */ (() => (${match[2]}))();` : statement;
    })
    .join("\n");
}

/** The esbuild plugin every function's bundle uses (see `markSchemasPure`). */
export const pureSdkSchemas: Plugin = {
  name: "quartermaster-pure-sdk-schemas",
  setup(build) {
    build.onLoad({ filter: SCHEMA_MODULE }, async (args) => ({
      contents: markSchemasPure(await readFile(args.path, "utf8")),
      loader: "js",
    }));
  },
};
