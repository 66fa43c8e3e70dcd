// Config for the Prisma CLI, used only for `prisma generate` (see scripts/db.ts for migrations).
// The CLI would otherwise try to download a native schema-engine binary, which air-gapped
// machines cannot reach; generation does not need it.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= "/dev/null";

import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/sqlite/schema.prisma",
});
