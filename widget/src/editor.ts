/** The comment form: Markdown with write/preview tabs, a character counter, author fields
 * (or "Commenting as …" for a signed-in reader), and one inline error region that never costs
 * the reader what they typed. */

import { ApiError } from "./api";
import { h } from "./dom";
import { fmt, type Messages } from "./i18n";
import { preview } from "./markdown";
import type { Auth } from "./reader";
import { loadAuthor } from "./store";

export interface Draft {
  body: string;
  name: string;
  email: string;
  website: string;
  honeypot: string;
  /** "Email me when someone replies" (only with an email). */
  notify?: boolean;
  /** Post anyway after a civility nudge (the comment is then held for review). */
  ack?: boolean;
  /** Signed in: the name and email come from the reader's token. */
  signed?: boolean;
}

export interface EditorOptions {
  t: Messages;
  lang: string;
  kind: "new" | "reply" | "edit";
  label: string;
  submit: string;
  max: number;
  auth: Auth;
  initial?: string;
  onSubmit: (draft: Draft) => Promise<void>;
  onCancel?: () => void;
}

export interface Editor {
  el: HTMLFormElement;
  text: HTMLTextAreaElement;
  focus(): void;
  clear(): void;
  /** Show the author fields or "Commenting as …", as the page's sign-in now stands. */
  sync(): void;
}

let seq = 0;

export function editor(o: EditorOptions): Editor {
  const { t, lang } = o;
  const id = "tl-f" + ++seq;
  const withAuthor = o.kind !== "edit";
  const prefs = loadAuthor();

  const text = h("textarea", {
    id: id + "-body",
    name: "body",
    class: "tl-input tl-input-body",
    rows: o.kind === "new" ? 4 : 3,
    placeholder: o.kind === "reply" ? t.replyPlaceholder : t.placeholder,
    "aria-describedby": id + "-count " + id + "-md",
  });
  text.value = o.initial || "";
  const counter = h("span", { id: id + "-count", class: "tl-counter" });
  const shown = h("div", {
    id: id + "-preview",
    class: "tl-preview tl-body",
    role: "tabpanel",
    "aria-labelledby": id + "-tab-p",
    tabindex: 0,
    hidden: true,
  });
  const writePanel = h(
    "div",
    { id: id + "-write", class: "tl-panel", role: "tabpanel", "aria-labelledby": id + "-tab-w" },
    h("label", { class: "tl-sr", for: text.id }, t.bodyLabel),
    text,
  );
  const tab = (which: "w" | "p", label: string): HTMLButtonElement =>
    h(
      "button",
      {
        type: "button",
        role: "tab",
        id: id + "-tab-" + which,
        class: "tl-tab tl-tab-" + (which === "w" ? "write" : "preview"),
        "aria-controls": which === "w" ? writePanel.id : shown.id,
      },
      label,
    );
  const tabs = [tab("w", t.write), tab("p", t.preview)];
  const select = (i: number, focus: boolean): void => {
    tabs.forEach((b, j) => {
      b.setAttribute("aria-selected", String(i === j));
      b.tabIndex = i === j ? 0 : -1;
    });
    writePanel.hidden = i === 1;
    shown.hidden = i === 0;
    if (i === 1) {
      const html = preview(text.value);
      shown.innerHTML = html || "";
      if (!html) shown.append(h("p", { class: "tl-muted" }, t.nothingToPreview));
    }
    if (focus) tabs[i].focus();
  };
  tabs.forEach((b, i) => {
    b.addEventListener("click", () => select(i, false));
    b.addEventListener("keydown", (e) => {
      const k = (e as KeyboardEvent).key;
      if (k === "ArrowRight" || k === "ArrowLeft" || k === "Home" || k === "End") {
        e.preventDefault();
        select(k === "Home" ? 0 : k === "End" ? 1 : 1 - i, true);
      }
    });
  });
  select(0, false);

  const field = (name: "name" | "email" | "website", type: string, hint: string, auto: string): HTMLInputElement =>
    h("input", {
      id: id + "-" + name,
      name,
      type,
      class: "tl-input tl-input-" + name,
      autocomplete: auto,
      maxlength: name === "name" ? 64 : name === "email" ? 254 : 2048,
      required: name === "name",
      value: prefs[name],
      "aria-describedby": hint ? id + "-" + name + "-hint" : null,
    });
  const name = field("name", "text", "", "name");
  const email = field("email", "email", "h", "email");
  const website = field("website", "url", "h", "url");
  // "Email me when someone replies": usable only with an email (typed, or in the reader's token).
  const notify = h("input", { id: id + "-notify", type: "checkbox", name: "notify_replies", class: "tl-notify" });
  const syncNotify = (): void => {
    const r = o.auth.reader;
    notify.disabled = !(r ? r.email : email.value.trim());
    if (notify.disabled) notify.checked = false;
  };
  email.addEventListener("input", syncNotify);
  const labelled = (input: HTMLInputElement, label: string, hint: string): HTMLElement =>
    h(
      "div",
      { class: "tl-field" },
      h("label", { for: input.id }, label, hint && " ", hint && h("span", { id: input.id + "-hint", class: "tl-hint" }, "(" + hint + ")")),
      input,
    );
  const notifyBox = h("label", { for: notify.id, class: "tl-check" }, notify, " ", t.notifyReplies);
  const emailBox = h("div", null, labelled(email, t.email, t.emailHint));
  const fields = h("div", { class: "tl-fields" }, labelled(name, t.name, ""), emailBox, labelled(website, t.website, t.optional));
  // Who the comment is from: the fields (and a "Sign in" link), or the signed-in reader.
  const who = h("div");
  const sync = (): void => {
    const r = o.auth.reader;
    who.textContent = "";
    if (r) {
      const [before, after] = t.commentingAs.split("{name}");
      who.append(h("p", { class: "tl-as" }, before, h("strong", null, r.name), after), r.email ? notifyBox : "");
    } else {
      emailBox.append(notifyBox);
      const link = o.auth.link(t);
      who.append(fields, link ? h("p", { class: "tl-signin-line" }, link) : "");
    }
    syncNotify();
  };
  if (withAuthor) sync();
  const honeypot = h("input", { name: "url2", type: "text", tabindex: -1, autocomplete: "off", class: "tl-input-hp" });

  const error = h("div", { class: "tl-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "tl-btn tl-btn-primary tl-submit" }, o.submit);
  const cancel =
    o.onCancel &&
    h("button", { type: "button", class: "tl-btn tl-cancel", onclick: () => o.onCancel && o.onCancel() }, t.cancel);

  const form = h(
    "form",
    { class: "tl-form tl-form-" + o.kind, "aria-label": o.label, novalidate: true },
    h("div", { class: "tl-tabs", role: "tablist", "aria-label": t.editorTabs }, ...tabs),
    writePanel,
    shown,
    h("div", { class: "tl-form-meta" }, h("span", { id: id + "-md", class: "tl-hint tl-md" }, t.markdown), counter),
    withAuthor && who,
    withAuthor && h("div", { class: "tl-hp", "aria-hidden": "true" }, h("label", null, "Leave this empty", honeypot)),
    error,
    h("div", { class: "tl-form-actions" }, submit, cancel),
  );

  const count = (): void => {
    const n = text.value.trim().length;
    counter.textContent = fmt(t.counter, { n, max: o.max }, lang);
    counter.classList.toggle("tl-over", n > o.max);
  };
  text.addEventListener("input", count);
  count();

  const inputs: Record<string, HTMLInputElement | HTMLTextAreaElement> = { name, email, website, comment: text, body: text };
  const showError = (message: string, fieldName?: string): void => {
    error.textContent = message;
    error.classList.remove("tl-nudged");
    for (const k in inputs) inputs[k].removeAttribute("aria-invalid");
    const bad = fieldName && inputs[fieldName.replace(/^author\./, "")];
    if (bad) {
      bad.setAttribute("aria-invalid", "true");
      if (bad === text) select(0, false);
      bad.focus();
    }
  };

  const send = async (draft: Draft): Promise<void> => {
    showError("");
    submit.disabled = true;
    form.setAttribute("aria-busy", "true");
    submit.textContent = o.kind === "edit" ? t.saving : t.posting;
    try {
      await o.onSubmit(draft);
    } catch (err) {
      if (err instanceof ApiError && err.code === "civility_nudge" && !draft.ack) nudge(err.message, draft);
      else {
        const api = err instanceof ApiError;
        showError(api ? err.message : t.network, api ? err.field : undefined);
        // Signed out, expired or required: the way to sign in, right with the message.
        const link = api && err.status === 401 && o.auth.link(t);
        if (link) error.append(" ", link);
      }
    } finally {
      submit.disabled = false;
      form.removeAttribute("aria-busy");
      submit.textContent = o.submit;
    }
  };

  // The server thinks the comment may come across as hostile: revise it, or post it anyway
  // (the same payload, acknowledged; it is then held for review).
  const nudge = (message: string, draft: Draft): void => {
    const revise = h("button", { type: "button", class: "tl-btn tl-nudge-revise" }, t.nudgeRevise);
    const anyway = h("button", { type: "button", class: "tl-btn tl-nudge-anyway" }, t.nudgeAnyway);
    revise.addEventListener("click", () => {
      showError("");
      select(0, false);
      text.focus();
    });
    anyway.addEventListener("click", () => {
      if (submit.disabled) return;
      void send({ ...draft, ack: true });
    });
    error.textContent = "";
    error.append(h("p", { class: "tl-nudge-msg" }, message), h("div", { class: "tl-nudge" }, revise, anyway));
    error.classList.add("tl-nudged");
    revise.focus();
  };

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (submit.disabled) return;
    const body = text.value.trim();
    if (!body) return showError(t.bodyRequired, "body");
    if (body.length > o.max) return showError(fmt(t.tooLong, { n: body.length, max: o.max }, lang), "body");
    const signed = !!o.auth.reader;
    if (withAuthor && !signed && !name.value.trim()) return showError(t.nameRequired, "name");
    await send({
      signed,
      body: text.value,
      name: name.value.trim(),
      email: email.value.trim(),
      website: website.value.trim(),
      honeypot: honeypot.value,
      notify: withAuthor && notify.checked,
    });
  });

  return {
    el: form,
    text,
    focus: () => {
      select(0, false);
      text.focus();
    },
    clear: () => {
      text.value = "";
      count();
      select(0, false);
    },
    sync: () => withAuthor && sync(),
  };
}
