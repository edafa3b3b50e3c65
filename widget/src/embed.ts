/**
 * embed.js — the only script a publisher adds. It loads the widget where a page has a
 * `#threadline` element, and fills `[data-threadline-count="KEY"]` elements on article lists
 * with comment counts, all keys in one request. No cookies, nothing but this server contacted.
 */

(() => {
  const doc = document;
  const me = doc.currentScript as HTMLScriptElement | null;
  const base = me && me.src ? me.src.replace(/[^/]*$/, "") : "/";
  const WORDS: Record<string, [string, string]> = {
    en: ["comment", "comments"],
    de: ["Kommentar", "Kommentare"],
    fr: ["commentaire", "commentaires"],
  };

  function widget(): void {
    const host = doc.querySelector("#threadline, [data-threadline]");
    if (!host || doc.querySelector("script[data-threadline-widget]")) return;
    const s = doc.createElement("script");
    s.src = base + "static/widget.js?v=" + __WIDGET_VERSION__;
    s.async = true;
    s.dataset.base = base;
    s.dataset.threadlineWidget = "";
    if (me && me.nonce) s.nonce = me.nonce; // pages with nonce-based CSP
    doc.head.appendChild(s);
  }

  function counts(): void {
    const links = doc.querySelectorAll<HTMLElement>("[data-threadline-count]");
    const host = doc.querySelector<HTMLElement>("#threadline, [data-threadline]");
    const fallback = (me && me.dataset.site) || (host && host.dataset.site) || "";
    const bySite: Record<string, HTMLElement[]> = {};
    links.forEach((el) => {
      const site = el.dataset.threadlineSite || fallback;
      (bySite[site] = bySite[site] || []).push(el);
    });
    for (const site in bySite) {
      const els = bySite[site];
      const keys = Array.from(new Set(els.map((el) => el.dataset.threadlineCount || ""))).slice(0, 500);
      fetch(base + "api/v1/counts", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ site, keys }),
        credentials: "omit",
      })
        .then((r) => (r.ok ? r.json() : null))
        .then((data: { counts: Record<string, number> } | null) => {
          if (!data) return;
          els.forEach((el) => {
            const n = data.counts[el.dataset.threadlineCount || ""];
            if (n == null) return;
            const langEl = el.closest("[lang]");
            const lang = ((langEl && langEl.getAttribute("lang")) || "en").slice(0, 2).toLowerCase();
            const words = WORDS[lang] || WORDS.en;
            const one = lang === "fr" ? n < 2 : n === 1;
            el.textContent = el.dataset.threadlineFormat === "number" ? String(n) : n.toLocaleString(lang) + " " + words[one ? 0 : 1];
            el.dataset.threadlineCounted = String(n);
          });
        })
        .catch(() => undefined);
    }
  }

  function run(): void {
    widget();
    counts();
  }

  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", run);
  else run();
})();
