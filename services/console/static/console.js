// Small enhancements of the console's pages; every page works without them.
// No inline script anywhere: the Content-Security-Policy forbids it.
(function () {
  "use strict";

  // A checkbox with data-check-all="name" ticks or clears every checkbox named "name" in its form.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.dataset.checkAll) return;
    var scope = box.form || document;
    scope.querySelectorAll('input[type="checkbox"][name="' + box.dataset.checkAll + '"]').forEach(function (other) {
      other.checked = box.checked;
    });
  });

  // A button with data-confirm asks before its form is sent.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });
})();

// A 422 carries the form again with the API's messages beside the fields: htmx swaps it in like a
// success (by default it swaps no 4xx answer). Added for the client sheet's forms.
document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.detail.xhr && event.detail.xhr.status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
