// A Socket Mode receiver for Bolt that honours the Web API base URL (SLACK_API_URL) when it opens
// the connection: Bolt's own receiver always asks slack.com for the WebSocket address.
import type { App, Receiver, ReceiverEvent } from "@slack/bolt";
import { SocketModeClient } from "@slack/socket-mode";
import { log } from "../log.ts";

/** Receives events over Socket Mode: no public URL needed (how most community workspaces run). */
export class SocketReceiver implements Receiver {
  private app?: App;
  readonly client: SocketModeClient;

  constructor(appToken: string, slackApiUrl?: string) {
    this.client = new SocketModeClient({ appToken, clientOptions: slackApiUrl ? { slackApiUrl } : {} });
    this.client.on(
      "slack_event",
      async (args: {
        body: Record<string, unknown>;
        ack: (r?: unknown) => Promise<void>;
        retry_num?: number;
        retry_reason?: string;
      }) => {
        const event: ReceiverEvent = {
          body: args.body,
          ack: (r?: unknown) => args.ack(r),
          retryNum: args.retry_num,
          retryReason: args.retry_reason,
        };
        await this.app?.processEvent(event).catch((e) => log("slack").error({ err: e }, "socket event failed"));
      },
    );
  }
  init(app: App) {
    this.app = app;
  }
  start() {
    return this.client.start();
  }
  stop() {
    return this.client.disconnect();
  }
}
