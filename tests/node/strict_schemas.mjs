// Compiles every input and output schema of a tools/list answer (the JSON file argv[2])
// with Ajv's JSON Schema 2020-12 validator in strict mode, with the standard formats, as
// the strictest client would. Prints {compiled, failures: [{tool, which, error}]}.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats").default;

const { tools } = JSON.parse(readFileSync(process.argv[2], "utf8"));
const failures = [];
let compiled = 0;
for (const tool of tools) {
  for (const which of ["inputSchema", "outputSchema"]) {
    if (!tool[which]) continue;
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(ajv);
    try {
      ajv.compile(tool[which]);
      compiled += 1;
    } catch (e) {
      failures.push({ tool: tool.name, which, error: String(e.message).slice(0, 300) });
    }
  }
}
process.stdout.write(JSON.stringify({ compiled, failures }) + "\n");
