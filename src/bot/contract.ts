// The one small contract between chat platforms and the time bank: an incoming event from a user
// in a conversation, and the replies to show. Channel adapters only translate to and from this.

/** Where an event happened: a private chat with the bot, or a group (a bound community group). */
export type ConversationType = "private" | "group";

/** A command or text, or a button press (its opaque token), from one channel identity. */
export interface Incoming {
  channel: string;
  userId: string;
  /** The platform's display name, used as a default when registering. */
  userName?: string;
  conversationId: string;
  conversationType: ConversationType;
  text?: string;
  /** The token of a pressed button. Never trusted: it only names a server-side action. */
  action?: string;
  /** The platform's language for this user (e.g. Telegram's language_code), until they choose. */
  localeHint?: string;
  /** The platform's id for this event (e.g. a Telegram update id): a redelivery has the same one. */
  eventId?: string;
}

/** A button: its label and the opaque token it sends back. */
export interface Button {
  label: string;
  token: string;
}

/** A file to send (certificate PDF, chart PNG, spreadsheet). */
export interface Attachment {
  kind: "document" | "image";
  name: string;
  mime: string;
  bytes: Uint8Array;
}

/** Something to show. Without `to`, it goes to the conversation the event came from. */
export interface Reply {
  text: string;
  buttons?: Button[][];
  attachment?: Attachment;
  /** Another conversation (e.g. a private chat after pressing Accept in a group). */
  to?: string;
  /** A key for a message that may be edited later (e.g. "need:12" for a need's group post). */
  ref?: string;
  /** Replace the earlier message with this `ref` in that conversation instead of sending anew. */
  edit?: boolean;
  /** Set by the outbox: a queued message, which leaves part of the platform's rate to direct answers. */
  bulk?: boolean;
}

/** What a channel must do to deliver replies and outbox messages. Returns the platform message id. */
export interface Outlet {
  channel: string;
  send(conversationId: string, reply: Reply): Promise<string>;
  edit(conversationId: string, messageId: string, reply: Reply): Promise<void>;
}
