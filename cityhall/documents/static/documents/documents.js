// Document pages: frequent phrases (常用语), confirmations and character counters.
// No inline handlers: the Content-Security-Policy allows scripts from our own files only.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    // A phrase picked from a 常用语 list is added to its opinion box.
    document.querySelectorAll("select[data-phrase-target]").forEach(function (select) {
      select.addEventListener("change", function () {
        var box = document.getElementById(select.dataset.phraseTarget);
        if (box && select.value) {
          box.value = box.value ? box.value.replace(/\s+$/, "") + select.value : select.value;
          box.focus();
        }
        select.selectedIndex = 0;
      });
    });
    // Forms that cannot be undone ask first.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
    // Each limited field shows how many characters are left; nothing is ever cut.
    document.querySelectorAll("[data-counter]").forEach(function (input) {
      var limit = parseInt(input.dataset.counter, 10);
      var hint = document.createElement("small");
      hint.className = "form-hint char-counter";
      input.insertAdjacentElement("afterend", hint);
      function update() {
        var left = limit - input.value.length;
        hint.textContent = left >= 0 ? "还可输入" + left + "字" : "已超出" + -left + "字，请精简";
        hint.classList.toggle("text-danger", left < 0);
      }
      input.addEventListener("input", update);
      update();
    });
    // A submitted form shows that it is working, and cannot be sent twice by a double click.
    document.querySelectorAll("form[method=post]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (event.defaultPrevented || form.dataset.sent) {
          if (form.dataset.sent) event.preventDefault();
          return;
        }
        form.dataset.sent = "1";
        var button = event.submitter;
        if (button && !button.hasAttribute("hx-post")) {
          button.classList.add("btn-loading");
          window.setTimeout(function () { button.setAttribute("disabled", "disabled"); }, 0);
        }
      });
    });
  });
  // Back to a page restored from the browser's cache: its forms may be sent again (the server's
  // idempotency key still stops a duplicate).
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-sent]").forEach(function (form) { delete form.dataset.sent; });
    document.querySelectorAll("button.btn-loading").forEach(function (b) {
      b.classList.remove("btn-loading");
      b.removeAttribute("disabled");
    });
  });
})();
