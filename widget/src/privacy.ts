/** "Your data": the reader downloads or erases what Threadline holds about them, proven by
 * the edit tokens this browser kept and its voter id — and, signed in with the publisher's
 * account, everything of that account here, from any device — or asks for a link by email
 * (docs/privacy.md). A native <details> disclosure: keyboard and screen-reader friendly. */

import { h } from "./dom";
import { Auth } from "./reader";
import { load, save, saveAuthor, voter } from "./store";

const WORDS = {
  en: {
    title: "Your data",
    intro: "Download or erase the comments this browser wrote here ({n}), its votes and reports.",
    account: "Signed in: this covers all comments of your account on this site.",
    download: "Download my data",
    erase: "Erase my data",
    confirm: "Erase your comments, name, email and votes here? This cannot be undone.",
    yes: "Yes, erase",
    cancel: "Cancel",
    erased: "Erased: {n} comment(s), {v} vote(s).",
    other: "Wrote from another device, or long ago? Get a link by email:",
    email: "Email you gave",
    send: "Email me a link",
    sent: "If comments were given with this address, a link is on its way to it.",
    failed: "That did not work. Please try again.",
  },
  de: {
    title: "Ihre Daten",
    intro: "Laden Sie die Kommentare dieses Browsers hier ({n}), seine Stimmen und Meldungen herunter oder löschen Sie sie.",
    account: "Angemeldet: Das umfasst alle Kommentare Ihres Kontos auf dieser Website.",
    download: "Meine Daten herunterladen",
    erase: "Meine Daten löschen",
    confirm: "Ihre Kommentare, Ihren Namen, Ihre E-Mail und Ihre Stimmen hier löschen? Das lässt sich nicht rückgängig machen.",
    yes: "Ja, löschen",
    cancel: "Abbrechen",
    erased: "Gelöscht: {n} Kommentar(e), {v} Stimme(n).",
    other: "Von einem anderen Gerät oder vor langer Zeit geschrieben? Link per E-Mail anfordern:",
    email: "Angegebene E-Mail",
    send: "Link zusenden",
    sent: "Falls mit dieser Adresse kommentiert wurde, ist ein Link an sie unterwegs.",
    failed: "Das hat nicht geklappt. Bitte versuchen Sie es erneut.",
  },
  fr: {
    title: "Vos données",
    intro: "Téléchargez ou effacez les commentaires écrits ici par ce navigateur ({n}), ses votes et signalements.",
    account: "Connecté : cela couvre tous les commentaires de votre compte sur ce site.",
    download: "Télécharger mes données",
    erase: "Effacer mes données",
    confirm: "Effacer vos commentaires, nom, e-mail et votes ici ? C’est irréversible.",
    yes: "Oui, effacer",
    cancel: "Annuler",
    erased: "Effacé : {n} commentaire(s), {v} vote(s).",
    other: "Écrit depuis un autre appareil ou il y a longtemps ? Recevez un lien par e-mail :",
    email: "E-mail indiqué",
    send: "M’envoyer un lien",
    sent: "Si des commentaires ont été publiés avec cette adresse, un lien lui a été envoyé.",
    failed: "Cela n’a pas fonctionné. Veuillez réessayer.",
  },
};

interface Target {
  base: string;
  site: string;
  lang: string;
}

const fill = (text: string, vars: Record<string, number>): string => text.replace(/\{(\w)\}/g, (_, k: string) => String(vars[k]));

/** This site's edit tokens, kept here beyond the editing window (the widget's own list of
 * them forgets a comment after a day; the right to erase it does not expire). */
function tokens(site: string): { id: number; token: string }[] {
  const kept = load<Record<string, string>>("keys", {});
  const own = load<Record<string, { t: string }>>("own", {});
  for (const k in own) kept[k] = own[k].t;
  save("keys", kept);
  return Object.keys(kept)
    .filter((k) => k.startsWith(site + "/"))
    .map((k) => ({ id: +k.slice(site.length + 1), token: kept[k] }));
}

/** Everything this browser remembers about the reader on this site goes with the erasure. */
function forget(site: string): void {
  for (const name of ["keys", "own", "votes"]) {
    const all = load<Record<string, unknown>>(name, {});
    for (const k in all) if (k.startsWith(site + "/")) delete all[k];
    save(name, all);
  }
  save("voter", ""); // a new anonymous id next time
  saveAuthor({ name: "", email: "", website: "" });
}

/** `reader`: the signed-in reader's token, which proves their account's comments. */
async function call(base: string, path: string, body: unknown, reader?: string): Promise<any> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (reader) headers["Threadline-Reader"] = reader;
  const res = await fetch(base + "api/v1/privacy/" + path, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
    credentials: "omit",
  });
  if (!res.ok) throw new Error(String(res.status));
  return res.json();
}

export function privacyPanel(host: HTMLElement, cfg: Target): void {
  const root = host.shadowRoot && host.shadowRoot.querySelector(".tl-root");
  if (!root || !cfg.site) return;
  const w = WORDS[cfg.lang as keyof typeof WORDS] || WORDS.en;
  const auth = new Auth(host);
  const signInToken = () => auth.reader?.token;
  const status = h("p", { class: "tl-note tl-privacy-status", role: "status" });
  const intro = h("p");
  const proof = () => ({ site: cfg.site, comments: tokens(cfg.site), reader: voter() });
  const run = async (button: HTMLButtonElement, work: () => Promise<string>) => {
    button.disabled = true;
    try {
      status.textContent = await work();
    } catch {
      status.textContent = w.failed;
    }
    button.disabled = false;
  };

  const download: HTMLButtonElement = h("button", {
    type: "button",
    class: "tl-btn tl-privacy-download",
    onclick: () =>
      run(download, async () => {
        const found = await call(cfg.base, "export", proof(), signInToken());
        const a = h("a", {
          href: URL.createObjectURL(new Blob([JSON.stringify(found.data, null, 2)], { type: "application/json" })),
          download: "threadline-" + cfg.site + "-data.json",
        });
        a.click();
        setTimeout(() => URL.revokeObjectURL(a.href), 1000);
        return "";
      }),
  }, w.download);
  const yes: HTMLButtonElement = h("button", {
    type: "button",
    class: "tl-btn tl-btn-danger tl-privacy-yes",
    onclick: () =>
      run(yes, async () => {
        const done = await call(cfg.base, "erase", proof(), signInToken());
        forget(cfg.site);
        confirmBox.hidden = true;
        refresh();
        return fill(w.erased, { n: done.erased.comments_removed + done.erased.comments_anonymized, v: done.erased.votes_withdrawn });
      }),
  }, w.yes);
  const confirmBox = h(
    "div",
    { class: "tl-privacy-confirm", hidden: true, role: "group" },
    h("p", null, w.confirm),
    h("div", { class: "tl-form-actions" }, yes, h("button", { type: "button", class: "tl-btn", onclick: () => { confirmBox.hidden = true; erase.focus(); } }, w.cancel)),
  );
  const erase = h("button", {
    type: "button",
    class: "tl-btn tl-privacy-erase",
    onclick: () => {
      confirmBox.hidden = false;
      yes.focus();
    },
  }, w.erase);

  const email = h("input", { type: "email", id: "tl-privacy-email", class: "tl-input tl-privacy-email", required: true, autocomplete: "email" });
  const send = h("button", { type: "submit", class: "tl-btn tl-privacy-send" }, w.send);
  const form = h(
    "form",
    {
      class: "tl-privacy-form",
      onsubmit: (e: Event) => {
        e.preventDefault();
        run(send, async () => {
          // The mail and the page its link opens speak the widget's language.
          await call(cfg.base, "requests", { site: cfg.site, email: email.value, lang: cfg.lang });
          return w.sent;
        });
      },
    },
    h("p", null, w.other),
    h("label", { for: "tl-privacy-email" }, w.email),
    " ",
    email,
    " ",
    send,
  );

  const refresh = () => {
    intro.textContent = fill(w.intro, { n: tokens(cfg.site).length }) + (signInToken() ? " " + w.account : "");
  };
  const box = h(
    "details",
    { class: "tl-privacy", ontoggle: refresh },
    h("summary", null, w.title),
    h("div", null, intro, h("div", { class: "tl-form-actions" }, download, erase), confirmBox, form, status),
  );
  refresh();
  auth.watch(refresh); // the page signs the reader in or out
  root.insertBefore(box, root.querySelector(".tl-footer"));
}
