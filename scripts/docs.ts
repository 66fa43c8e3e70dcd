// Renders the docs generated from code: docs/authorization.md from src/bot/routing/authorization.ts.
import { writeFileSync } from "node:fs";
import { renderAuthorization } from "../src/bot/routing/authorization.ts";

writeFileSync(new URL("../docs/authorization.md", import.meta.url), renderAuthorization());
console.log("wrote docs/authorization.md");
