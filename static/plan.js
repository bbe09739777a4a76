// The plan page's "Print" button (no inline script: the CSP forbids it). Right after a version
// is kept (`?print=1`) the print dialog opens by itself.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  if (window.location.search.indexOf("print=1") !== -1 && document.querySelector("[data-print]")) {
    window.print();
  }
});
