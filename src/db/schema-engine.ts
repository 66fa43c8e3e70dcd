// Drives Prisma's published WebAssembly schema engine through a driver adapter, so migrations run
// without the native schema-engine binary the Prisma CLI would download (air-gapped machines).
import { readFile } from "node:fs/promises";
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import type { SchemaEngine } from "@prisma/schema-engine-wasm";

// Node's global WebAssembly, typed by hand (its types live in the DOM lib, which we do not load).
type WasmExports = Record<string, unknown>;
declare const WebAssembly: {
  instantiate(bytes: Uint8Array, imports: Record<string, unknown>): Promise<{ instance: { exports: WasmExports } }>;
};
type Glue = typeof import("@prisma/schema-engine-wasm/schema_engine_bg") & {
  __wbg_set_wasm(exports: WasmExports): void;
};

let glue: Promise<Glue> | undefined;
let lastPanic = "";

/** The message of the engine's last Rust panic ("" if none), to explain a RuntimeError. */
export function lastEnginePanic(): string {
  return lastPanic;
}

/** Instantiates the wasm module once per process (it is 5 MB) and wires the wasm-bindgen glue. */
function loadGlue(): Promise<Glue> {
  glue ??= (async () => {
    // The engine reports a Rust panic's message through this global before throwing.
    const g = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(m: string): void } };
    g.PRISMA_WASM_PANIC_REGISTRY ??= {
      set_message: (m: string) => {
        lastPanic = m;
      },
    };
    const bgUrl = import.meta.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const bg = (await import(bgUrl)) as Glue;
    const bytes = await readFile(new URL("schema_engine_bg.wasm", bgUrl));
    const { instance } = await WebAssembly.instantiate(bytes, {
      "./schema_engine_bg.js": bg,
    });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bg;
  })();
  return glue;
}

/** Opens a schema engine on one database, given that database's migration-aware adapter factory. */
export async function openSchemaEngine(
  schema: { path: string; content: string },
  factory: SqlMigrationAwareDriverAdapterFactory,
  log: (line: string) => void = () => {},
): Promise<SchemaEngine> {
  const bg = await loadGlue();
  return bg.SchemaEngine.new(
    { datamodels: [[schema.path, schema.content]] },
    (msg: string) => log(msg),
    bindMigrationAwareSqlAdapterFactory(factory),
  );
}
