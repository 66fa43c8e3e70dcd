// Starts one real PostgreSQL server for the whole test run (unless TEST_POSTGRES_URL names one);
// each test file then creates its own database in it.
import type { TestProject } from "vitest/node";
import { startTempPostgres } from "../../scripts/pg-temp.ts";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject) {
  if (process.env.TEST_POSTGRES_URL) {
    project.provide("postgresUrl", process.env.TEST_POSTGRES_URL);
    return;
  }
  const pg = await startTempPostgres();
  project.provide("postgresUrl", pg.url);
  return () => pg.stop();
}
