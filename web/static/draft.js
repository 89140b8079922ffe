// draft.js keeps what was typed on the current step of a long form in
// sessionStorage, so a reload does not lose it before it is sent. It is
// optional: every step is saved on the server when sent, and the form works
// the same without this script.
(function () {
  "use strict";
  var store;
  try { store = window.sessionStorage; } catch (e) { return; }
  if (!store) { return; }
  var skip = { csrf: true, version: true, to: true };
  Array.prototype.forEach.call(document.querySelectorAll("form.js-draft[data-draft]"), function (form) {
    var key = "nrm-draft:" + form.getAttribute("data-draft");
    function fields() {
      return Array.prototype.filter.call(form.elements, function (el) { return el.name && !skip[el.name]; });
    }
    function save() {
      var data = {};
      fields().forEach(function (el) {
        if (el.type === "checkbox" || el.type === "radio") {
          data[el.name + "=" + el.value] = el.checked;
        } else {
          data[el.name] = el.value;
        }
      });
      try { store.setItem(key, JSON.stringify(data)); } catch (e) { /* full or blocked: nothing to do */ }
    }
    var saved = null;
    try { saved = JSON.parse(store.getItem(key) || "null"); } catch (e) { saved = null; }
    if (saved) {
      fields().forEach(function (el) {
        if (el.type === "checkbox" || el.type === "radio") {
          var k = el.name + "=" + el.value;
          if (Object.prototype.hasOwnProperty.call(saved, k)) { el.checked = !!saved[k]; }
        } else if (Object.prototype.hasOwnProperty.call(saved, el.name)) {
          el.value = saved[el.name];
        }
      });
      Array.prototype.forEach.call(form.querySelectorAll("details"), function (d) {
        if (d.querySelector("input:checked")) { d.open = true; }
      });
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", function () { try { store.removeItem(key); } catch (e) { /* ignore */ } });
  });
})();
