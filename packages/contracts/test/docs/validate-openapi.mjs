// Validates the OpenAPI document read from stdin with @seriousme/openapi-schema-validator
// (ESM only, so jest runs it in a child process) and prints { valid, version, errors }.
// resolveRefs() also proves every $ref points at something.
import { Validator } from '@seriousme/openapi-schema-validator';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const document = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const validator = new Validator();
const result = await validator.validate(document);
let refsResolve = false;
if (result.valid) {
  try {
    validator.resolveRefs();
    refsResolve = true;
  } catch (error) {
    result.errors = [{ message: String(error) }];
  }
}
process.stdout.write(
  JSON.stringify({
    valid: result.valid && refsResolve,
    version: validator.version,
    errors: result.errors ?? [],
  }),
);
