// Keyboard shortcuts for daily work: "/" focuses search, "n" opens the page's "new" action.
document.addEventListener("keydown", function (event) {
  var target = event.target;
  var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
    target.tagName === "SELECT" || target.isContentEditable);
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "/") {
    var search = document.querySelector("[data-shortcut-search]");
    if (search) { event.preventDefault(); search.focus(); search.select(); }
  } else if (event.key === "n") {
    var create = document.querySelector("[data-shortcut-new]");
    if (create) { event.preventDefault(); create.click(); }
  }
});

// htmx sends the CSRF token with every request it makes.
document.addEventListener("htmx:configRequest", function (event) {
  var token = document.querySelector("meta[name=csrf-token]");
  if (token) event.detail.headers["X-CSRFToken"] = token.content;
});
