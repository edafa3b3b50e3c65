// Threadline dashboard: keyboard work on the queue. j/k move between cards, a approves the
// focused card, r goes to its reject reason (Enter then submits), x selects it for bulk work.
// No inline script anywhere: the page's Content-Security-Policy allows only this file.
"use strict";
(function () {
  function cards() {
    return Array.prototype.slice.call(document.querySelectorAll("article.card"));
  }
  function current() {
    var all = cards();
    var active = document.activeElement;
    for (var i = 0; i < all.length; i++) {
      if (all[i] === active || all[i].contains(active)) return i;
    }
    return -1;
  }
  function focusCard(index) {
    var all = cards();
    if (!all.length) return;
    var card = all[Math.max(0, Math.min(all.length - 1, index))];
    card.focus();
    card.scrollIntoView({ block: "nearest" });
  }
  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    var i = current();
    var card = i >= 0 ? cards()[i] : null;
    if (event.key === "j") { focusCard(i + 1); event.preventDefault(); }
    else if (event.key === "k") { focusCard(i < 0 ? 0 : i - 1); event.preventDefault(); }
    else if (card && event.key === "a") {
      var approve = card.querySelector("form.approve");
      if (approve) { approve.requestSubmit(); event.preventDefault(); }
    } else if (card && event.key === "r") {
      var reason = card.querySelector("form.reject select");
      if (reason) { reason.focus(); event.preventDefault(); }
    } else if (card && event.key === "x") {
      var pick = card.querySelector("input[type=checkbox][form=bulk]");
      if (pick) { pick.checked = !pick.checked; event.preventDefault(); }
    }
  });
  // Enter on the reason list submits the reject form it belongs to.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && target && target.tagName === "SELECT" && target.form &&
        target.form.classList.contains("reject")) {
      target.form.requestSubmit();
      event.preventDefault();
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    if (cards().length && !document.querySelector("[autofocus]")) focusCard(0);
  });
})();
