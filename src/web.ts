// The one HTTP port of a bot process (TIMEBANK_WEB_PORT), in every mode: /healthz (the process is
// up), /readyz (the database answers, the outbox is not stuck, jobs run) and whatever the
// channels mount on it — the Telegram webhook, Slack's HTTP events.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "./log.ts";

/** A request handler a channel mounts under a path. */
export type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** What /readyz reports; `ok` false answers 503 so a load balancer stops sending traffic. */
export interface Readiness {
  ok: boolean;
  [check: string]: unknown;
}

/** The process's HTTP server. */
export interface Web {
  /** Serves `path`; a path ending in "/" serves everything under it (the web console's /platform/). */
  mount(path: string, handler: Handler): void;
  start(): Promise<number>;
  stop(): Promise<void>;
  port(): number;
}

/** A web server on `port` (0: any free one); `ready` answers /readyz. */
export function createWeb(opts: { port: number; host?: string; ready?: () => Promise<Readiness>; log?: Logger }): Web {
  const routes = new Map<string, Handler>();
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const done = (e: unknown) => {
      opts.log?.error({ err: e, path }, "http request failed");
      if (!res.headersSent) json(res, 500, { error: "internal" });
      else res.end();
    };
    try {
      if (path === "/healthz") return json(res, 200, { ok: true });
      if (path === "/readyz") {
        const ready = opts.ready ?? (async () => ({ ok: true }));
        void ready()
          .then((r) => json(res, r.ok ? 200 : 503, r))
          .catch((e) => json(res, 503, { ok: false, error: String((e as Error).message ?? e).slice(0, 200) }));
        return;
      }
      const handler =
        routes.get(path) ?? [...routes].find(([p]) => p.endsWith("/") && (path.startsWith(p) || `${path}/` === p))?.[1];
      if (!handler) return json(res, 404, { error: "not found" });
      void Promise.resolve(handler(req, res)).catch(done);
    } catch (e) {
      done(e);
    }
  });
  // A client that never finishes its request must not hold a socket for ever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  return {
    mount(path, handler) {
      routes.set(path, handler);
    },
    start() {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(opts.port, opts.host ?? "0.0.0.0", () => {
          server.off("error", reject);
          resolve((server.address() as AddressInfo).port);
        });
      });
    },
    stop() {
      return new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
    port: () => (server.address() as AddressInfo | null)?.port ?? 0,
  };
}
