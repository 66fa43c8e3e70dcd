// Tests log nothing unless asked (LOG_LEVEL=debug npx vitest …): expected failures would drown the
// report. Tests that check what is logged install their own logger.
import { createLogger, setLogger } from "../../src/log.ts";

setLogger(createLogger({ level: process.env.LOG_LEVEL ?? "silent", format: "json" }));
