// Every form that comes back with errors: the errors are tied to their fields for assistive
// technology (aria-invalid, aria-describedby), listed in a summary at the top of the form with
// links to the fields, and the summary takes the focus, so a failed save is never out of sight.
document.addEventListener("DOMContentLoaded", function () {
  var heading = document.body.getAttribute("data-error-summary") || "";
  var forms = new Map();
  document.querySelectorAll("p.field-error[id$='-error']").forEach(function (error) {
    var name = error.id.slice(0, -"-error".length);
    var form = error.closest("form");
    if (!form) { return; }
    var field = form.querySelector("[name='" + name + "']:not([type=hidden])") || document.getElementById(name);
    if (field) {
      field.setAttribute("aria-invalid", "true");
      var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (described.indexOf(error.id) < 0) { described.push(error.id); }
      field.setAttribute("aria-describedby", described.join(" "));
      if (!field.id) { field.id = name; }
    }
    if (!forms.has(form)) { forms.set(form, []); }
    forms.get(form).push({ text: error.textContent, target: field ? field.id : error.id });
  });
  var first = null;
  forms.forEach(function (errors, form) {
    var summary = document.createElement("div");
    summary.className = "error-summary";
    summary.setAttribute("role", "alert");
    summary.setAttribute("tabindex", "-1");
    var title = document.createElement("h2");
    title.textContent = heading;
    summary.appendChild(title);
    var list = document.createElement("ul");
    errors.forEach(function (e) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#" + e.target;
      link.textContent = e.text;
      link.addEventListener("click", function (event) {
        var target = document.getElementById(e.target);
        if (target) { event.preventDefault(); target.focus(); target.scrollIntoView({ block: "center" }); }
      });
      item.appendChild(link);
      list.appendChild(item);
    });
    summary.appendChild(list);
    form.insertBefore(summary, form.firstChild);
    if (!first) { first = summary; }
  });
  if (first) {
    first.focus({ preventScroll: true });
    first.scrollIntoView({ block: "start" });
    window.scrollBy(0, -24);
  }
});

// "/" from anywhere but a field jumps to the patient search, as in most web applications; it
// stays out of the way of screen readers, which pass keys on only outside their browse mode.
document.addEventListener("keydown", function (event) {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) { return; }
  var target = event.target;
  if (target.closest && target.closest("input, textarea, select, [contenteditable]")) { return; }
  var find = document.getElementById("find");
  if (find) { event.preventDefault(); find.focus(); }
});

// The worklist (Today and My patients): "j" and "k" move between the patients, "c" logs a call
// for the patient in focus, Enter opens the record as any link does. Only outside fields, and
// only where the page lists patients.
document.addEventListener("keydown", function (event) {
  if (event.ctrlKey || event.metaKey || event.altKey) { return; }
  if (["j", "k", "c"].indexOf(event.key) < 0) { return; }
  var target = event.target;
  if (target.closest && target.closest("input, textarea, select, [contenteditable]")) { return; }
  var links = Array.prototype.slice.call(document.querySelectorAll("main table a.patient"));
  if (links.length === 0) { return; }
  var at = links.indexOf(document.activeElement);
  if (event.key === "c") {
    if (at < 0) { return; }
    var log = links[at].closest("td").querySelector("a.log-call");
    if (log) { event.preventDefault(); log.click(); }
    return;
  }
  event.preventDefault();
  var next = event.key === "j" ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, 0);
  links[next].focus();
  links[next].scrollIntoView({ block: "nearest" });
});

// A proposed time (the nearest open one, or a suggestion): its button puts it into the form's
// date and time fields (`data-fields` names their prefix, e.g. `call_`), and the nurse saves
// when the patient agrees.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-fill-date]");
  if (!button) { return; }
  var prefix = button.getAttribute("data-fields") || "";
  var date = document.querySelector("input[name='" + prefix + "date']");
  var time = document.querySelector("input[name='" + prefix + "time']");
  if (date) { date.value = button.getAttribute("data-fill-date"); }
  if (time) { time.value = button.getAttribute("data-fill-time"); time.focus(); }
  var booked = time && time.form && time.form.querySelector("input[name=next][value=booked]");
  if (booked) { booked.checked = true; }
});
