// picker.js turns each <select class="js-picker"> (a country or a language,
// by name) into GOV.UK's accessible-autocomplete, so typing part of a name
// finds it. It is progressive enhancement: without script, or if the library
// did not load, the plain select works as it is. The value sent stays the
// select's: the code.
(function () {
  "use strict";
  var ac = window.accessibleAutocomplete;
  if (!ac || !ac.enhanceSelectElement) { return; }
  Array.prototype.forEach.call(document.querySelectorAll("select.js-picker"), function (el) {
    var id = el.id, form = el.form;
    var chosen = el.options[el.selectedIndex];
    var none = (form && form.getAttribute("data-no-results")) || "";
    ac.enhanceSelectElement({
      selectElement: el,
      defaultValue: chosen && chosen.value ? chosen.textContent : "",
      showAllValues: true,
      tNoResults: function () { return none; }
    });
    if (form) {
      // A cleared box clears the choice.
      form.addEventListener("submit", function () {
        var box = document.getElementById(id);
        if (box && box !== el && box.value.trim() === "") { el.value = ""; }
      });
    }
  });
})();
