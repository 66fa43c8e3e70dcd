// What every console form shares: a message under each bad field, in the viewer's language, from
// the field's name (`web-invalid-<field>`, or the engine's refusal placed under the field it names).
import { html } from "hono/html";
import type { z } from "zod";
import { type Locale, t } from "../../bot/text/i18n.ts";

/** Localized messages by field name; `form` for what belongs to no one field. */
export type Errors = Record<string, string>;

/** The message under one field, if it has one. */
export function fieldError(errors: Errors, name: string) {
  return errors[name] ? html`<div class="field-error" data-field="${name}">${errors[name]}</div>` : "";
}

/** A labelled input with its message under it. */
export function field(l: Locale, errors: Errors, name: string, input: ReturnType<typeof html>) {
  return html`<label>${t(l, `web-field-${name}`)}<br>${input}</label>${fieldError(errors, name)}`;
}

/** One message per bad field of a form zod refused (the first issue of each). */
export function fieldErrors(l: Locale, error: z.ZodError): Errors {
  const out: Errors = {};
  for (const issue of error.issues) {
    const name = String(issue.path[0] ?? "form");
    out[name] ??= t(l, `web-invalid-${name}`);
  }
  return out;
}
