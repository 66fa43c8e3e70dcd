// Renders the docs generated from code: docs/authorization.md from src/bot/authorization.ts.
import { writeFileSync } from "node:fs";
import { renderAuthorization } from "../src/bot/authorization.ts";

writeFileSync(new URL("../docs/authorization.md", import.meta.url), renderAuthorization());
console.log("wrote docs/authorization.md");
