/** Reader sign-in with the publisher's accounts. The publisher's page hands the widget a token
 * its own server signed (`data-reader-token`); the widget reads the name and email from it for
 * display only — the Threadline server verifies it on every write (`Threadline-Reader`). */

import { h } from "./dom";
import type { Messages } from "./i18n";

export interface Reader {
  token: string;
  name: string;
  email: string;
}

/** The token's payload (base64url JSON); a token that cannot be read still goes to the server,
 * which answers that the sign-in could not be verified. */
function decode(token: string): Reader {
  let p: { name?: unknown; email?: unknown } = {};
  try {
    const b64 = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    p = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0))));
  } catch {
    /* shown without a name */
  }
  const text = (v: unknown): string => (typeof v === "string" ? v.trim() : "");
  return { token, name: text(p.name), email: text(p.email) };
}

/** What the host element says about sign-in, read afresh: a single-page site changes it. */
export class Auth {
  constructor(private readonly host: HTMLElement) {}

  get reader(): Reader | null {
    const token = (this.host.dataset.readerToken || "").trim();
    return token ? decode(token) : null;
  }

  /** The publisher's sign-in page (http or https only), or "". */
  get url(): string {
    try {
      const u = new URL(this.host.dataset.signInUrl || "", location.href);
      return this.host.dataset.signInUrl && /^https?:$/.test(u.protocol) ? u.href : "";
    } catch {
      return "";
    }
  }

  /** `data-sign-in="required"` and nobody signed in: the reader must sign in to take part. */
  get gated(): boolean {
    return this.host.dataset.signIn === "required" && !this.reader;
  }

  link(t: Messages): HTMLAnchorElement | null {
    const url = this.url;
    return url ? h("a", { class: "tl-signin", href: url }, t.signIn) : null;
  }

  /** "Sign in to join the discussion", with the link when the page gave one. */
  prompt(t: Messages): HTMLElement {
    return h("p", { class: "tl-signin-prompt", tabindex: -1 }, t.signInToJoin, " ", this.link(t));
  }

  /** Call `fn` whenever the page signs the reader in or out (or changes the sign-in page). */
  watch(fn: () => void): void {
    new MutationObserver(fn).observe(this.host, {
      attributes: true,
      attributeFilter: ["data-reader-token", "data-sign-in-url", "data-sign-in"],
    });
  }
}
